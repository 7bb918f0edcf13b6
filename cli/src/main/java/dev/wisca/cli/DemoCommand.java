package dev.wisca.cli;

import dev.wisca.cli.options.SeedOption;
import dev.wisca.cli.options.WorkFolder;
import dev.wisca.rescale.spec.SpecChoice;
import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.cli.options.JsonOutput;
import dev.wisca.cli.options.OutputOptions;
import dev.wisca.cli.options.Verbosity;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.sdk.OutputFiles;
import dev.wisca.io.hf.Overwrite;
import dev.wisca.rescale.verify.VerifyReport;
import dev.wisca.sdk.CheckpointSummary;
import dev.wisca.sdk.Model;
import dev.wisca.sdk.RescalePlan;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.sdk.SampleCheckpoints;
import dev.wisca.sdk.Wisca;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code wisca demo}: the whole flow on a small generated GQA checkpoint, offline, in seconds. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Run the whole flow on a generated GQA sample checkpoint, offline, in seconds.",
        "Generate a small GQA checkpoint (llama layout: 4 query heads, 2 KV heads), rescale it with the paper's defaults,",
        "verify that it computes the same function, undo it, and verify again. Everything is written under --dir."},
    footerHeading = "%nExamples:%n",
    footer = {"  wisca demo", "  wisca demo --dir /tmp/wisca-demo --arch qwen2"})
final class DemoCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Verbosity verbosity;
    @Mixin JsonOutput json;
    @Mixin OutputOptions output;

    @Mixin WorkFolder workFolder;

    /** --dir, set when the command runs. */
    Path dir;

    @Option(names = "--arch", paramLabel = "TYPE", defaultValue = "llama", description = "Architecture of the sample (default: ${DEFAULT-VALUE}).")
    String arch;

    @Mixin SeedOption seedOption;
    long seed;

    @Override
    public Integer call() {
        dir = workFolder.given().orElse(Path.of("wisca-demo"));
        seed = seedOption.or(42);
        PrintWriter o = spec.commandLine().getOut();
        long start = System.nanoTime();
        Path original = dir.resolve("original");
        Path rescaled = dir.resolve("rescaled");
        Path plan = dir.resolve("plan");
        Path restored = dir.resolve("restored");
        output.checkAll(List.of(dir), List.of());
        Overwrite overwrite = output.overwrite();
        createDirectories(dir);

        OutputFiles.folder(original, overwrite, List.of(), staging -> SampleCheckpoints.write(arch, staging, seed));
        CheckpointSummary s = Wisca.inspect(original);
        RescaleSettings settings = RescaleSettings.paper();
        RescalePlan p;
        try (Model model = Wisca.open(original)) {
            p = model.plan(settings);
            model.apply(p, rescaled, overwrite);
        }
        p.save(plan, overwrite);
        VerifyReport full = Wisca.verify(original, rescaled).full().run();
        VerifyReport probes = Wisca.verify(original, rescaled).probes().run();
        Path html = RescaleReport.write(original, rescaled, p, SpecChoice.byModelType(), probes, dir.resolve("report"), overwrite);
        try (Model model = Wisca.open(rescaled)) {
            model.undo(p, restored, overwrite);
        }
        VerifyReport back = Wisca.verify(original, restored).probes().run();
        boolean ok = full.exitCode() == 0 && probes.exitCode() == 0 && back.exitCode() == 0;
        long nanos = System.nanoTime() - start;

        if (json.enabled()) {
            Json.print(o, new DemoResult(ok, original, rescaled, plan, restored, html, PlanOutput.of(p.architecture(), p, rescaled, plan, nanos),
                full.toJsonTree(), probes.toJsonTree(), back.toJsonTree(), nanos / 1_000_000));
            return ok ? ExitCodes.OK : ExitCodes.CHECK_FAILED;
        }
        o.printf("1. sample %s checkpoint: %d tensors, %s parameters -> %s%n", s.modelType(), s.tensors().size(),
            Units.count(s.totalElements()), original);
        o.println("2. rescaled with the paper's defaults (Q/K + V/O, tensor-wise, L1) -> " + rescaled);
        StringWriter summary = new StringWriter();
        PlanOutput.of(p.architecture(), p, rescaled, plan, 0).print(new PrintWriter(summary), verbosity.verbose());
        summary.toString().lines().forEach(l -> o.println("   " + l.strip()));
        o.println("3. verified original vs rescaled:");
        o.println("   " + full.summary());
        o.println("   " + probes.summary());
        o.println("   report: " + html.toAbsolutePath().toUri());
        o.println("4. undone with the saved plan -> " + restored);
        o.println("   " + back.summary());
        if (!ok) {
            o.println("demo FAILED: the rescaled checkpoint is not equivalent (please report this)");
            return ExitCodes.CHECK_FAILED;
        }
        o.printf("demo finished in %s%n", Units.duration(nanos));
        return ExitCodes.OK;
    }

    /** The --json output of the demo. */
    record DemoResult(boolean equivalent, Path original, Path rescaled, Path plan, Path restored, Path report,
                      PlanOutput rescale, JsonNode verifyFull, JsonNode verifyProbes, JsonNode verifyRestored, long millis) {}

    private static void createDirectories(Path d) {
        try {
            Files.createDirectories(d);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, d, null, "cannot create the demo folder: " + e.getMessage(), e);
        }
    }
}
