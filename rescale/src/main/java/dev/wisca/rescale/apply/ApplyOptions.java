package dev.wisca.rescale.apply;

import dev.wisca.io.WiscaException;
import dev.wisca.rescale.Progress;
import dev.wisca.rescale.backend.Backend;
import dev.wisca.rescale.backend.cpu.CpuBackend;
import java.util.Objects;

/**
 * How apply computes: the backend, the worker threads scaling each chunk, and who hears about progress.
 */
public record ApplyOptions(Backend backend, int parallelism, Progress progress) {
    public ApplyOptions {
        if (parallelism < 1) throw WiscaException.invalidArgument("setting 'parallelism' must be >= 1");
        Objects.requireNonNull(progress, "progress (use Progress.NONE)");
    }

    public ApplyOptions(Backend backend, int parallelism) {
        this(backend, parallelism, Progress.NONE);
    }

    public static ApplyOptions defaults() {
        return new ApplyOptions(CpuBackend.INSTANCE, Runtime.getRuntime().availableProcessors());
    }
}
