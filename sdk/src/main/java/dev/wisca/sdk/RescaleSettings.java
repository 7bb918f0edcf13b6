package dev.wisca.sdk;

import dev.wisca.rescale.graph.Granularity;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.graph.SiteOptions;
import dev.wisca.rescale.solve.SolverOptions;

import java.util.EnumSet;

/**
 * What to rescale and how: which pairs at which granularity (the sites), and how scales are solved.
 * {@link #paper()} reproduces the WISCA paper: Q/K and V/O, one scalar per tensor, L1 norms.
 */
public record RescaleSettings(SiteOptions sites, SolverOptions solver, int parallelism) {
    public RescaleSettings {
        if (parallelism < 1) throw new IllegalArgumentException("parallelism must be >= 1, got " + parallelism);
    }

    /** Q/K + V/O, tensor-wise, L1; power-of-two scales for bf16/f16/fp8 weights, real scales for f32. */
    public static RescaleSettings paper() {
        return new RescaleSettings(SiteOptions.paper(), SolverOptions.defaults(), Runtime.getRuntime().availableProcessors());
    }

    public RescaleSettings withPairs(Pair first, Pair... rest) {
        return new RescaleSettings(new SiteOptions(EnumSet.of(first, rest), sites.granularity()), solver, parallelism);
    }

    public RescaleSettings withGranularity(Granularity g) {
        return new RescaleSettings(new SiteOptions(sites.pairs(), g), solver, parallelism);
    }

    public RescaleSettings withSolver(SolverOptions s) { return new RescaleSettings(sites, s, parallelism); }

    public RescaleSettings withParallelism(int p) { return new RescaleSettings(sites, solver, p); }
}
