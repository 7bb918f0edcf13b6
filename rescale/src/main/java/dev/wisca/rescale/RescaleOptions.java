package dev.wisca.rescale;

import dev.wisca.rescale.apply.ApplyOptions;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.backend.Backend;
import dev.wisca.rescale.backend.cpu.CpuBackend;
import dev.wisca.rescale.solve.SolverOptions;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a rescale run needs besides its input: how to solve, where to compute, how wide.
 *
 * @param solver         scale selection
 * @param backend        where statistics and scaling run
 * @param parallelism    worker threads (defaults to the available cores)
 * @param momentSuffixes optimizer-state tensor suffixes and their power: {@code <param><suffix>}
 *                       is divided by {@code (r cᵀ)^power}
 * @param progress       told about the statistics and write passes
 */
public record RescaleOptions(SolverOptions solver, Backend backend, int parallelism, Map<String, Integer> momentSuffixes,
                             Progress progress) {
    /** Adam's first and second moments (and AMSGrad's running maximum of the second) as PyTorch names them. */
    public static final Map<String, Integer> ADAM_SUFFIXES = Map.of(".exp_avg", 1, ".exp_avg_sq", 2, ".max_exp_avg_sq", 2);

    public RescaleOptions {
        if (parallelism < 1) throw WiscaException.invalidArgument("setting 'parallelism' must be >= 1");
        for (int p : momentSuffixes.values()) if (p != 1 && p != 2) throw WiscaException.invalidArgument("moment power must be 1 or 2");
        momentSuffixes = Map.copyOf(momentSuffixes);
        Objects.requireNonNull(progress, "progress (use Progress.NONE)");
    }

    public RescaleOptions(SolverOptions solver, Backend backend, int parallelism, Map<String, Integer> momentSuffixes) {
        this(solver, backend, parallelism, momentSuffixes, Progress.NONE);
    }

    /** The paper's defaults on the CPU backend, all cores. */
    public static RescaleOptions defaults() {
        return new RescaleOptions(SolverOptions.defaults(), CpuBackend.INSTANCE,
            Runtime.getRuntime().availableProcessors(), ADAM_SUFFIXES);
    }

    /** The view apply needs: this run's backend, parallelism and progress. */
    public ApplyOptions apply() { return new ApplyOptions(backend, parallelism, progress); }

    public RescaleOptions withSolver(SolverOptions s) { return new RescaleOptions(s, backend, parallelism, momentSuffixes, progress); }

    public RescaleOptions withBackend(Backend b) { return new RescaleOptions(solver, b, parallelism, momentSuffixes, progress); }

    public RescaleOptions withParallelism(int p) { return new RescaleOptions(solver, backend, p, momentSuffixes, progress); }

    public RescaleOptions withMomentSuffixes(Map<String, Integer> m) { return new RescaleOptions(solver, backend, parallelism, m, progress); }

    public RescaleOptions withProgress(Progress p) { return new RescaleOptions(solver, backend, parallelism, momentSuffixes, p); }
}
