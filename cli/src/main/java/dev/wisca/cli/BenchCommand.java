package dev.wisca.cli;

import dev.wisca.cli.options.SeedOption;
import dev.wisca.cli.options.WorkFolder;
import dev.wisca.cli.options.ShardLayout;
import dev.wisca.cli.options.JsonOutput;
import dev.wisca.cli.options.RescaleFlags;
import dev.wisca.cli.options.Verbosity;
import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.io.hf.ByteSize;
import dev.wisca.sdk.bench.Bench;
import dev.wisca.sdk.bench.BenchResult;
import dev.wisca.sdk.bench.BenchSettings;
import dev.wisca.sdk.bench.RescaleProcessBench;
import dev.wisca.sdk.bench.StartupBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code wisca bench}: how fast rescaling runs next to a plain copy of the same bytes. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Measure wisca on this machine: generates a random llama-shaped checkpoint (or takes one) and times a copy of its "
        + "files as cp --reflink=auto + sync makes it (the reference), open, the statistics pass, the rescale and the undo, "
        + "each as a ratio to the copy, with peak memory; then whole processes (--version, inspect of 100 shards vs Python).",
        "The generated checkpoint was just written, so it is read from a warm page cache."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  wisca bench --size 1GB --dtype bf16",
        "  wisca bench --size 4GB --dtype f32 --repeat 3 --pairs qk,vo,updown --granularity channel",
        "  wisca bench --checkpoint ./Llama-3.2-1B --dir /data/tmp --json"})
final class BenchCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin RescaleFlags flags;
    @Mixin Verbosity verbosity;
    @Mixin JsonOutput json;

    @Option(names = "--size", paramLabel = "SIZE", defaultValue = "1GB", description = "Size of the generated checkpoint, e.g. 4MB, 1GB, 2GiB (default: ${DEFAULT-VALUE}).")
    String size;

    @Mixin ShardLayout layout;

    @Option(names = "--checkpoint", paramLabel = "CKPT", description = "Measure this checkpoint instead of generating one (it is only read).")
    Path checkpoint;

    @Mixin WorkFolder workFolder;

    @Option(names = "--keep", description = "Keep the generated checkpoint and the outputs of the last repeat.")
    boolean keep;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "1", description = "Runs per phase; min and median are reported (default: ${DEFAULT-VALUE}).")
    int repeat;


    @Mixin SeedOption seedOption;

    @Option(names = "--no-startup", description = "Skip the whole-process timings (wisca --version, and inspect of a "
        + "100-shard / 5,000-tensor checkpoint next to Python's safe_open), which run when bench runs through the wisca launcher.")
    boolean noStartup;

    @Option(names = "--python", paramLabel = "PYTHON", description = "Python with safetensors for the inspect reference "
        + "(default: $WISCA_PYTHON, which bin/wisca sets to the project's test environment when bin/test has made it, "
        + "else python3 if it has safetensors; without one the inspect row has no reference, and bench says so).")
    String python;

    @Option(names = "--memory-sizes", paramLabel = "SIZE[,SIZE...]", split = ",",
        description = "Also generate checkpoints of these sizes (e.g. 2GB,4GB) and run one whole wisca rescale + sync of each "
            + "next to cp + sync, reporting its peak anonymous memory (through the launcher, like the process rows).")
    List<String> memorySizes = List.of();

    @Option(names = "--startup-repeat", paramLabel = "N", defaultValue = "3", hidden = true,
        description = "Runs per process command; the median is reported (default: ${DEFAULT-VALUE}).")
    int startupRepeat;

    @Option(names = "--launcher", paramLabel = "CMD", hidden = true, description = "The wisca command to time (default: $WISCA_LAUNCHER, set by bin/wisca).")
    String launcher;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        List<Long> memoryBytes = memorySizes.stream().map(ByteSize::parse).toList();  // a bad size fails before the long runs
        Optional<Path> dir = workFolder.given();
        Path work = dir.orElseGet(BenchCommand::tempDir);
        long seed = seedOption.or(42);
        BenchSettings settings = new BenchSettings(ByteSize.parse(size), layout.dtype().orElse(Dtype.BF16), Optional.ofNullable(checkpoint),
            work, keep, repeat, flags.settings().withProgress(ProgressBar.forCommand(spec.commandLine().getErr(), verbosity, json)),
            layout.maxShardBytes(), seed);
        Optional<String> wisca = Optional.ofNullable(launcher).or(() -> Optional.ofNullable(System.getenv("WISCA_LAUNCHER")));
        Optional<String> processes = noStartup ? Optional.empty() : wisca;
        Optional<String> py = processes.isPresent() ? pythonReference() : Optional.empty();
        BenchResult r;
        try {
            r = Bench.run(settings, ckpt -> processes.map(w -> rescaleProcesses(List.of(w), ckpt, work, settings, memoryBytes)).orElse(List.of()));
            if (processes.isPresent()) r = r.withStartup(StartupBench.run(List.of(wisca.get()), py, work, Math.max(1, startupRepeat)));
        } finally {
            if (dir.isEmpty() && !keep) deleteIfEmpty(work);
        }
        if (json.enabled()) Json.print(o, r);
        else BenchTable.print(o, r, keep ? work : null);
        return ExitCodes.OK;
    }

    /**
     * The Python of the inspect reference: --python or $WISCA_PYTHON, which must import safetensors (a usage
     * error before any phase runs, not after them), else python3 where it can; empty (and said on stderr and
     * under the table) when there is none.
     */
    private Optional<String> pythonReference() {
        String given = python != null ? python : System.getenv("WISCA_PYTHON");
        if (given != null && !given.isBlank()) {
            String flag = python != null ? "--python" : "WISCA_PYTHON";
            StartupBench.pythonProblem(given).ifPresent(problem -> {
                throw WiscaException.invalidArgument(flag + " " + given + " cannot be the inspect reference: " + problem);
            });
            return Optional.of(given);
        }
        if (StartupBench.pythonProblem("python3").isEmpty()) return Optional.of("python3");
        spec.commandLine().getErr().println("wisca bench: " + BenchTable.NO_PYTHON);
        return Optional.empty();
    }

    /** Whole-process rescale + sync next to cp + sync: the measured checkpoint, then one of each --memory-sizes size. */
    private List<RescaleProcessBench.Row> rescaleProcesses(List<String> wisca, Path checkpoint, Path work, BenchSettings settings,
                                                           List<Long> memoryBytes) {
        List<RescaleProcessBench.Row> rows = new ArrayList<>();
        rows.add(RescaleProcessBench.run("rescale + sync (this checkpoint)", checkpoint, wisca, work, Math.max(1, startupRepeat)));
        for (long bytes : memoryBytes) {
            rows.add(RescaleProcessBench.runGenerated(bytes, settings.dtype(), settings.maxShardBytes(), wisca,
                work, settings.seed(), settings.rescale().progress()));
        }
        return rows;
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("wisca-bench-");
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, null, null, "cannot create a temp folder (use --dir): " + e, e);
        }
    }

    private static void deleteIfEmpty(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // Not empty (a failed run left files) or gone: nothing to tidy.
        }
    }

    /** {@code 1.42x} */
    static String ratio(double r) { return String.format(Locale.ROOT, "%.2fx", r); }
}
