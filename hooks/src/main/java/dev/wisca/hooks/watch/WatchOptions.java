package dev.wisca.hooks.watch;

import dev.wisca.io.WiscaException;
import dev.wisca.hooks.HookOptions;
import dev.wisca.rescale.Progress;
import dev.wisca.rescale.RescaleOptions;
import dev.wisca.rescale.spec.SpecLibrary;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a watcher rescales checkpoints.
 *
 * @param rescale          pairs, granularity and solver options, as {@code wisca rescale}
 * @param outOfPlaceSuffix write {@code checkpoint-N<suffix>} beside each checkpoint instead of rescaling it in place
 * @param optimizerState   also transform optimizer state stored as safetensors ({@code optimizer*.safetensors},
 *                         tensors {@code <param>.exp_avg}, {@code <param>.exp_avg_sq})
 * @param poll             time between two looks at the folder; sizes must be equal in two looks
 * @param parallelism      worker threads for statistics and apply
 * @param library          architecture specs
 * @param progress         told about each checkpoint's statistics and write passes
 */
public record WatchOptions(HookOptions rescale, Optional<String> outOfPlaceSuffix, boolean optimizerState,
                           Duration poll, int parallelism, SpecLibrary library, Progress progress) {
    public WatchOptions {
        Objects.requireNonNull(progress, "progress (use Progress.NONE)");
        if (parallelism < 1) throw WiscaException.invalidArgument("setting 'parallelism' must be >= 1");
        if (poll.isNegative()) throw WiscaException.invalidArgument("setting 'poll' must be >= 0");
        outOfPlaceSuffix.ifPresent(s -> {
            if (s.isEmpty() || s.contains("/") || s.contains("\\")) throw WiscaException.invalidArgument("bad suffix '" + s + "'");
        });
    }

    /** Without progress reports. */
    public WatchOptions(HookOptions rescale, Optional<String> outOfPlaceSuffix, boolean optimizerState,
                        Duration poll, int parallelism, SpecLibrary library) {
        this(rescale, outOfPlaceSuffix, optimizerState, poll, parallelism, library, Progress.NONE);
    }

    public static WatchOptions defaults() {
        return new WatchOptions(HookOptions.defaults(), Optional.empty(), false, Duration.ofSeconds(5),
            Runtime.getRuntime().availableProcessors(), SpecLibrary.builtin());
    }

    public WatchOptions withRescale(HookOptions r) { return new WatchOptions(r, outOfPlaceSuffix, optimizerState, poll, parallelism, library, progress); }

    public WatchOptions withOutOfPlace(String suffix) { return new WatchOptions(rescale, Optional.of(suffix), optimizerState, poll, parallelism, library, progress); }

    public WatchOptions withOptimizerState(boolean o) { return new WatchOptions(rescale, outOfPlaceSuffix, o, poll, parallelism, library, progress); }

    public WatchOptions withPoll(Duration p) { return new WatchOptions(rescale, outOfPlaceSuffix, optimizerState, p, parallelism, library, progress); }

    public WatchOptions withParallelism(int n) { return new WatchOptions(rescale, outOfPlaceSuffix, optimizerState, poll, n, library, progress); }

    public WatchOptions withProgress(Progress p) { return new WatchOptions(rescale, outOfPlaceSuffix, optimizerState, poll, parallelism, library, p); }

    RescaleOptions engine() {
        return RescaleOptions.defaults().withSolver(rescale.solver()).withParallelism(parallelism).withProgress(progress);
    }
}
