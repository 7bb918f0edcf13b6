package dev.wisca.rescale.apply;

import dev.wisca.rescale.backend.Backend;
import dev.wisca.rescale.backend.cpu.CpuBackend;

/**
 * How apply computes: the backend and the worker threads scaling each chunk.
 */
public record ApplyOptions(Backend backend, int parallelism) {
    public ApplyOptions {
        if (parallelism < 1) throw new IllegalArgumentException("parallelism must be >= 1");
    }

    public static ApplyOptions defaults() {
        return new ApplyOptions(CpuBackend.INSTANCE, Runtime.getRuntime().availableProcessors());
    }
}
