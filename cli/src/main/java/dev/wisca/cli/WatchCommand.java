package dev.wisca.cli;

import dev.wisca.cli.options.FlagChecks;
import dev.wisca.cli.options.JsonOutput;
import dev.wisca.cli.options.OptimizerStateOption;
import dev.wisca.cli.options.RescaleFlags;
import dev.wisca.cli.options.SpecOptions;
import dev.wisca.cli.options.Verbosity;
import dev.wisca.hooks.watch.CheckpointWatcher;
import dev.wisca.hooks.watch.Outcome;
import dev.wisca.hooks.watch.WatchOptions;
import dev.wisca.rescale.RescaleSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

/** {@code wisca watch}: rescale each checkpoint a trainer saves, once it is complete. */
@Command(name = "watch", mixinStandardHelpOptions = true,
    description = {"Follow a Hugging Face Trainer output folder and rescale every checkpoint-<step>/ once it is complete "
        + "(index shards, config.json and trainer_state.json present, sizes unchanged over two looks).",
        "In place by default: only the changed tensors' bytes are rewritten, under a journal of before-images (a killed watcher's "
            + "checkpoint is rolled back on its next open and redone; with --optimizer-state the files are staged and renamed over the originals); "
            + "each checkpoint is marked and never processed twice."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  wisca watch ./out                                  # until Ctrl-C",
        "  wisca watch ./out --once --out-of-place -wisca     # writes checkpoint-N-wisca beside each",
        "  wisca watch ./out --pairs qk,vo,updown --granularity kv-group --optimizer-state"})
final class WatchCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Verbosity verbosity;
    @Mixin SpecOptions specs;
    @Mixin JsonOutput json;
    @Mixin RescaleFlags flags;

    @Parameters(index = "0", paramLabel = "DIR", description = "The trainer's output folder (holding checkpoint-<step>/).")
    Path dir;

    @Option(names = "--once", description = "Process what is there (two looks --poll apart) and exit.")
    boolean once;

    @Option(names = "--out-of-place", paramLabel = "SUFFIX", description = "Write checkpoint-<step>SUFFIX beside each checkpoint instead of rescaling in place.")
    String outOfPlace;

    @Mixin OptimizerStateOption optimizerState;

    /** Longest --poll: a day between looks. */
    static final double MAX_POLL_SECONDS = 86_400;

    @Option(names = "--poll", paramLabel = "SECONDS", defaultValue = "5", description = "Seconds between looks, 0 to 86400 (default: ${DEFAULT-VALUE}).")
    double pollSeconds;

    @Override
    public Integer call() throws Exception {
        FlagChecks.inRange("--poll", pollSeconds, 0, MAX_POLL_SECONDS);
        RescaleSettings settings = flags.settings().withProgress(ProgressBar.forCommand(spec.commandLine().getErr(), verbosity, json));
        WatchOptions options = new WatchOptions(settings, Optional.ofNullable(outOfPlace), optimizerState.enabled(),
            Duration.ofMillis(Math.round(pollSeconds * 1000)), specs.choice());
        CheckpointWatcher watcher = new CheckpointWatcher(dir, options);
        PrintWriter out = spec.commandLine().getOut();
        if (once) {
            List<Outcome> outcomes = watcher.once();
            if (json.enabled()) Json.print(out, outcomes);
            else outcomes.forEach(o -> print(out, o));
            return outcomes.stream().anyMatch(o -> o.status() == Outcome.Status.FAILED) ? ExitCodes.USER_ERROR : ExitCodes.OK;
        }
        AtomicBoolean stop = new AtomicBoolean();
        Thread main = Thread.currentThread();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.set(true);
            main.interrupt();
        }));
        try {
            watcher.run(stop::get, o -> {
                if (json.enabled()) Json.print(out, o);
                else print(out, o);
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return ExitCodes.OK;
    }

    private void print(PrintWriter out, Outcome o) {
        if (verbosity.quiet() && o.status() != Outcome.Status.RESCALED && o.status() != Outcome.Status.FAILED) return;
        out.printf("%s: %s (%s)%n", o.checkpoint().getFileName(), o.status().name().toLowerCase(Locale.ROOT), o.detail());
        out.flush();
    }
}
