package dev.wisca.rescale.backend;

import dev.wisca.rescale.graph.Axis;
import java.lang.foreign.MemorySegment;

/**
 * Where the arithmetic runs. Statistics reduce a block of rows of one matrix along an axis; scaling
 * computes {@code r_i · w_ij · c_j} (offset gains: {@code (1 + w)·r − 1}) for a range of elements,
 * rounded once to the stored dtype. Factor arrays may be {@code null} for all ones. Implementations
 * must be thread-safe: callers run many blocks at once.
 */
public interface Backend {
    /** Short name for reports, e.g. {@code cpu-vector}. */
    String name();

    /**
     * Per-index statistics of rows {@code [rowStart, rowEnd)} of a single matrix ({@code m.batches() == 1}).
     *
     * @param rowFactors indexed by row, or null
     * @param colFactors indexed by column, or null
     */
    AxisStats stats(MatrixView m, long rowStart, long rowEnd, Axis axis,
                    double[] rowFactors, double[] colFactors, boolean offsetGain);

    /**
     * Writes elements {@code [first, first + count)} of {@code src}, scaled, into {@code dst}
     * (same dtype; element 0 of {@code dst} receives element {@code first}).
     *
     * @param rowFactors indexed by global row, or null
     * @param colFactors indexed by {@code batch·cols + j}, or null
     */
    void scale(MatrixView src, long first, long count, MemorySegment dst,
               double[] rowFactors, double[] colFactors, boolean offsetGain);

    /**
     * As {@link #scale(MatrixView, long, long, java.lang.foreign.MemorySegment, double[], double[], boolean)},
     * reading the source elements from {@code elements}, which holds elements {@code [first, first + count)}
     * of {@code shape} (read from the file by the caller); {@code shape.data()} is not touched by backends
     * that override this. {@code elements} and {@code dst} must not overlap.
     *
     * @return true when every value written is its source element with its exponent shifted exactly (a
     *         power-of-two scale whose result stays a normal number, or ±0): finite and within the dtype's
     *         range, so a caller may skip checking the values for overflow; false when some value was
     *         computed otherwise, and always from backends that do not tell
     */
    default boolean scale(MatrixView shape, MemorySegment elements, long first, long count,
                          MemorySegment dst, double[] rowFactors, double[] colFactors, boolean offsetGain) {
        scale(shape, first, count, dst, rowFactors, colFactors, offsetGain);
        return false;
    }
}
