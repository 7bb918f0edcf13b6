package dev.wisca.sdk;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.backend.Backends;
import dev.wisca.rescale.graph.Granularity;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.graph.SiteOptions;
import dev.wisca.rescale.solve.SolverOptions;

import java.util.EnumSet;

/**
 * What to rescale and how: which pairs at which granularity (the sites), how scales are solved, and
 * where the arithmetic runs. {@link #paper()} reproduces the WISCA paper: Q/K and V/O, one scalar per
 * tensor, L1 norms, on the pure-Java CPU backend.
 *
 * @param device a {@link Backends} device name: {@code cpu} (default), {@code djl} (DJL PyTorch on a GPU
 *               when one is visible, else the CPU), {@code djl-cpu}, {@code gpu}, {@code scalar}
 */
public record RescaleSettings(SiteOptions sites, SolverOptions solver, int parallelism, String device) {
    public RescaleSettings {
        if (parallelism < 1) throw new IllegalArgumentException("parallelism must be >= 1, got " + parallelism);
        if (!Backends.isKnown(device)) {
            throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null,
                "unknown device '" + device + "': choose one of " + String.join(", ", Backends.names()));
        }
    }

    /** Settings on the default CPU backend. */
    public RescaleSettings(SiteOptions sites, SolverOptions solver, int parallelism) {
        this(sites, solver, parallelism, Backends.CPU);
    }

    /** Q/K + V/O, tensor-wise, L1; power-of-two scales for bf16/f16/fp8 weights, real scales for f32. */
    public static RescaleSettings paper() {
        return new RescaleSettings(SiteOptions.paper(), SolverOptions.defaults(), Runtime.getRuntime().availableProcessors());
    }

    public RescaleSettings withPairs(Pair first, Pair... rest) {
        return new RescaleSettings(new SiteOptions(EnumSet.of(first, rest), sites.granularity()), solver, parallelism, device);
    }

    public RescaleSettings withGranularity(Granularity g) {
        return new RescaleSettings(new SiteOptions(sites.pairs(), g), solver, parallelism, device);
    }

    public RescaleSettings withSolver(SolverOptions s) { return new RescaleSettings(sites, s, parallelism, device); }

    public RescaleSettings withParallelism(int p) { return new RescaleSettings(sites, solver, p, device); }

    /** Where statistics and scaling run; the backend starts when a plan or apply needs it. */
    public RescaleSettings withDevice(String d) { return new RescaleSettings(sites, solver, parallelism, d); }
}
