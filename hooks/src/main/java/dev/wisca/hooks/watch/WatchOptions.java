package dev.wisca.hooks.watch;

import dev.wisca.io.WiscaException;
import dev.wisca.rescale.Progress;
import dev.wisca.rescale.spec.SpecChoice;
import dev.wisca.rescale.RescaleSettings;
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
 * @param spec             which architecture spec binds each checkpoint (as {@code --arch-spec} chooses)
 */
public record WatchOptions(RescaleSettings settings, Optional<String> outOfPlaceSuffix, boolean optimizerState,
                           Duration poll, SpecChoice spec) {
    public WatchOptions {
        if (poll.isNegative()) throw WiscaException.invalidArgument("setting 'poll' must be >= 0");
        outOfPlaceSuffix.ifPresent(s -> {
            if (s.isEmpty() || s.contains("/") || s.contains("\\")) throw WiscaException.invalidArgument("bad suffix '" + s + "'");
        });
    }

    public static WatchOptions defaults() {
        return new WatchOptions(RescaleSettings.paper(), Optional.empty(), false, Duration.ofSeconds(5), SpecChoice.byModelType());
    }

    public WatchOptions withSettings(RescaleSettings s) { return new WatchOptions(s, outOfPlaceSuffix, optimizerState, poll, spec); }

    public WatchOptions withOutOfPlace(String suffix) { return new WatchOptions(settings, Optional.of(suffix), optimizerState, poll, spec); }

    public WatchOptions withOptimizerState(boolean o) { return new WatchOptions(settings, outOfPlaceSuffix, o, poll, spec); }

    public WatchOptions withPoll(Duration p) { return new WatchOptions(settings, outOfPlaceSuffix, optimizerState, p, spec); }

    public WatchOptions withParallelism(int n) { return withSettings(settings.withParallelism(n)); }

    public WatchOptions withProgress(Progress p) { return withSettings(settings.withProgress(p)); }
}
