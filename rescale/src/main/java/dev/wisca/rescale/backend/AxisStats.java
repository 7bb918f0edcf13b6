package dev.wisca.rescale.backend;

/**
 * Statistics of each index along one axis of a block of a matrix: for a row axis, index k is row
 * {@code firstIndex + k} reduced over all columns; for a column axis, column k reduced over the
 * block's rows. Every element enters as {@code v = r_i · w_ij · c_j} with the given factors (an
 * offset gain as {@code r_i · (1 + w_i)}).
 *
 * @param firstIndex      index of entry 0 along the axis
 * @param sum             Σ v
 * @param absSum          Σ |v|
 * @param sqSum           Σ v²
 * @param absMax          max |v| (NaN if any v is NaN)
 * @param countPerIndex   elements reduced into each index
 */
public record AxisStats(long firstIndex, double[] sum, double[] absSum, double[] sqSum, double[] absMax, long countPerIndex) {
    public static AxisStats zeros(long firstIndex, int length, long countPerIndex) {
        return new AxisStats(firstIndex, new double[length], new double[length], new double[length], new double[length], countPerIndex);
    }

    public int length() { return sum.length; }
}
