package dev.wisca.hooks.watch;

import dev.wisca.io.WiscaException;
import dev.wisca.rescale.Progress;
import dev.wisca.rescale.RescaleOptions;
import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.sdk.RescaleSettings;
import java.time.Duration;
import java.util.Optional;

/**
 * How a watcher rescales checkpoints: the engine settings of {@code wisca rescale} (pairs, granularity,
 * solver, threads, device, progress), passed on unchanged, plus what is particular to watching.
 *
 * @param settings         what to scale, how to solve and where to compute, as for {@code wisca rescale}
 * @param outOfPlaceSuffix write {@code checkpoint-N<suffix>} beside each checkpoint instead of rescaling it in place
 * @param optimizerState   also transform the checkpoint's optimizer state: the Trainer's {@code optimizer.pt} and
 *                         {@code optimizer*.safetensors} (see {@code dev.wisca.sdk.OptimizerState})
 * @param poll             time between two looks at the folder; sizes must be equal in two looks
 * @param library          architecture specs
 */
public record WatchOptions(RescaleSettings settings, Optional<String> outOfPlaceSuffix, boolean optimizerState,
                           Duration poll, SpecLibrary library) {
    public WatchOptions {
        if (poll.isNegative()) throw WiscaException.invalidArgument("setting 'poll' must be >= 0");
        outOfPlaceSuffix.ifPresent(s -> {
            if (s.isEmpty() || s.contains("/") || s.contains("\\")) throw WiscaException.invalidArgument("bad suffix '" + s + "'");
        });
    }

    public static WatchOptions defaults() {
        return new WatchOptions(RescaleSettings.paper(), Optional.empty(), false, Duration.ofSeconds(5), SpecLibrary.builtin());
    }

    public WatchOptions withSettings(RescaleSettings s) { return new WatchOptions(s, outOfPlaceSuffix, optimizerState, poll, library); }

    public WatchOptions withOutOfPlace(String suffix) { return new WatchOptions(settings, Optional.of(suffix), optimizerState, poll, library); }

    public WatchOptions withOptimizerState(boolean o) { return new WatchOptions(settings, outOfPlaceSuffix, o, poll, library); }

    public WatchOptions withPoll(Duration p) { return new WatchOptions(settings, outOfPlaceSuffix, optimizerState, p, library); }

    public WatchOptions withParallelism(int n) { return withSettings(settings.withParallelism(n)); }

    public WatchOptions withProgress(Progress p) { return withSettings(settings.withProgress(p)); }

    /** The engine view for one checkpoint: the settings' backend (started now), solver, threads and progress. */
    RescaleOptions engine() { return settings.engine(); }
}
