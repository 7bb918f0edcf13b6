package dev.wisca.hooks;

import dev.wisca.rescale.graph.SiteOptions;
import dev.wisca.rescale.solve.SolverOptions;

/**
 * What a hook rescales and how: the pair/granularity choice of {@code wisca rescale --pairs
 * --granularity} and its solver options ({@code --norm --alpha --pow2 ...}).
 */
public record HookOptions(SiteOptions sites, SolverOptions solver) {
    /** The paper's setting: Q/K and V/O, tensor-wise, L1, full balance, pow2 for narrow dtypes. */
    public static HookOptions defaults() {
        return new HookOptions(SiteOptions.paper(), SolverOptions.defaults());
    }

    public HookOptions withSites(SiteOptions s) { return new HookOptions(s, solver); }

    public HookOptions withSolver(SolverOptions s) { return new HookOptions(sites, s); }
}
