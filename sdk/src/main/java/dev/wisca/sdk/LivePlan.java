package dev.wisca.sdk;

import dev.wisca.io.TensorInfo;
import dev.wisca.rescale.graph.Axis;
import dev.wisca.rescale.graph.Site;
import dev.wisca.rescale.graph.SkippedSite;
import dev.wisca.rescale.solve.SiteReport;
import dev.wisca.rescale.solve.SolverOptions;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A described live model's sites, grouped into solving stages ({@link LivePlanner}): each stage lists the
 * distinct statistics its sites need, and {@link #solve} turns the measured ones into per-tensor factors.
 * Immutable, so concurrent solves are safe.
 */
public final class LivePlan {
    private final List<TensorInfo> tensors;
    private final Map<String, TensorInfo> byName;
    private final SolverOptions solver;
    private final String modelType;
    private final List<StageSites> stages;
    private final List<SkippedSite> skipped;

    LivePlan(List<TensorInfo> tensors, SolverOptions solver, String modelType, List<StageSites> stages, List<SkippedSite> skipped) {
        this.tensors = List.copyOf(tensors);
        Map<String, TensorInfo> m = new HashMap<>();
        for (TensorInfo t : tensors) m.put(t.name(), t);
        this.byName = Map.copyOf(m);
        this.solver = solver;
        this.modelType = modelType;
        this.stages = List.copyOf(stages);
        this.skipped = List.copyOf(skipped);
    }

    /**
     * One statistic the loop measures: per index along {@code axis} of {@code tensor} (of its matrix
     * {@code tensor[batch]} when {@code batch >= 0}; a 1-D tensor has rows only), the sums over the other axis
     * of {@code v}, {@code |v|}, {@code v²} and the max of {@code |v|}, with {@code v = r_i·w_ij·c_j} under the
     * running factors ({@code v = r_i·(1 + w_i)} when {@code offsetGain}).
     *
     * @param id the request's index in its stage, quoted by {@link Measured#request}
     */
    public record Request(int id, String tensor, int batch, Axis axis, boolean offsetGain) {}

    /**
     * One solving stage: its statistics are measured after the factors of every earlier stage.
     *
     * @param name  the stage's name ({@code norms}, {@code attention}, ...)
     * @param pairs the pairs it solves, by their settings names
     */
    public record Stage(int index, String name, List<String> pairs, List<Request> requests) {
        public Stage {
            pairs = List.copyOf(pairs);
            requests = List.copyOf(requests);
        }
    }

    /** The measured vectors of one request, each as long as the request's axis (summed over every rank already). */
    public record Measured(int request, double[] sum, double[] absSum, double[] sqSum, double[] absMax) {}

    /**
     * A stage's factors for one tensor: rows per global row {@code batch·a + i}, cols per {@code batch·b + j}
     * (1-D tensors have one column), so {@code W ← diag(rows)·W·diag(cols)}. The optimizer's first moment
     * follows as {@code m·momentRows_i·momentCols_j}, the second as {@code v·(momentRows_i·momentCols_j)²}.
     */
    public record Factors(String tensor, double[] rows, double[] cols, boolean offsetGain, double[] momentRows, double[] momentCols) {}

    /** A solved stage: the factors of the tensors it scales (identities omitted), and what the solver did per site. */
    public record Solved(List<Factors> factors, List<SiteReport> sites) {
        public Solved {
            factors = List.copyOf(factors);
            sites = List.copyOf(sites);
        }
    }

    /** A stage's sites, its distinct requests, and per site and member the request holding that member's statistics. */
    record StageSites(Stage stage, List<Site> sites, List<int[]> memberRequests) {}

    /** The model_type of the bound spec, or {@code lora} for an adapter. */
    public String modelType() { return modelType; }

    /** How many sites the stages solve. */
    public int siteCount() { return stages.stream().mapToInt(s -> s.sites().size()).sum(); }

    /** Sites the settings asked for that this model cannot offer, with reasons. */
    public List<SkippedSite> skipped() { return skipped; }

    /** The non-empty stages, in solving order. */
    public List<Stage> stages() { return stages.stream().map(StageSites::stage).toList(); }

    /**
     * Solves stage {@code stage} from the statistics of every one of its requests. Refuses (INVALID_ARGUMENT,
     * naming the request, vector and index) a missing or doubled request, a vector of the wrong length, and
     * values no tensor of that dtype can produce (non-finite, negative magnitudes, a maximum above its sum).
     */
    public Solved solve(int stage, List<Measured> stats) {
        return LiveSolve.solve(this, stage, stats);
    }

    List<StageSites> stageSites() { return stages; }

    List<TensorInfo> tensors() { return tensors; }

    SolverOptions solver() { return solver; }

    TensorInfo info(String tensor) { return byName.get(tensor); }
}
