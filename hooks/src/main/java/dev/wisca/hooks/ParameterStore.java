package dev.wisca.hooks;

import dev.wisca.io.TensorSpec;
import java.util.List;

/**
 * A place where named parameters live: a training loop's model (DJL, or the Java side of any
 * other framework), an in-memory map ({@link MemoryParameterStore}). The hook never copies a
 * tensor out: it asks for small per-index statistics and hands back small factor vectors.
 *
 * <p>Factor vectors follow {@code dev.wisca.rescale.plan.TensorFactors}: a tensor is seen as stacked
 * matrices (1-D {@code [n]} as {@code [n, 1]}, 3-D {@code [E, a, b]} as E matrices {@code a × b});
 * {@code rows[batch·a + i]}, {@code cols[batch·b + j]}.
 */
public interface ParameterStore {
    /** Every parameter, named as the architecture spec expects (rename here if the loop names differ). */
    List<TensorSpec> parameters();

    /**
     * Statistics of {@code v = rows_i · w_ij · cols_j} along the query's axis, on the parameter's own
     * device, without gradient tracking; an offset gain enters as {@code v = rows_i · (1 + w_i)}.
     * Across ranks of a sharded model, return the all-reduced result (SUM for sums, MAX for absMax).
     *
     * @param rows prior row factors of the whole tensor, or null for ones
     * @param cols prior column factors of the whole tensor, or null for ones
     */
    IndexStats statistics(StatQuery query, double[] rows, double[] cols);

    /** In place, without gradient tracking: {@code w ← rows_i · w_ij · cols_j}; offset gains {@code w ← (1 + w)·rows_i − 1}. */
    void scale(String name, double[] rows, double[] cols, boolean offsetGain);

    /**
     * The parameter's optimizer moments after {@link #scale}: first moment {@code m ← m · mrows_i · mcols_j},
     * second {@code v ← v · (mrows_i · mcols_j)²}, where {@code mrows = 1/rows}, {@code mcols = 1/cols}.
     */
    MomentUpdate scaleMoments(String name, double[] momentRows, double[] momentCols);
}
