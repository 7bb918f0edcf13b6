package dev.wisca.hooks;

/**
 * Per-index sums of {@code v}, {@code |v|}, {@code v²} and the max of {@code |v|} along a
 * {@link StatQuery}'s axis. Partial results of different ranks merge by adding the sums and taking
 * the max of the maxima (all-reduce SUM / MAX).
 */
public record IndexStats(double[] sum, double[] absSum, double[] sqSum, double[] absMax) {
    public IndexStats {
        int n = sum.length;
        if (absSum.length != n || sqSum.length != n || absMax.length != n) throw new IllegalArgumentException("vectors differ in length");
    }

    public int length() { return sum.length; }
}
