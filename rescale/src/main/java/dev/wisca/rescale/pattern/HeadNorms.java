package dev.wisca.rescale.pattern;

/**
 * Per-head norms of one attention projection: rows of a query/key/value head, or the input columns
 * of the output projection belonging to a query head.
 *
 * @param tensor stored tensor name (a fused tensor for fused layouts)
 * @param l1     Σ|w| per head
 * @param l2     sqrt(Σw²) per head
 */
public record HeadNorms(String tensor, double[] l1, double[] l2) {
    public HeadNorms {
        if (l1.length != l2.length) throw new IllegalArgumentException("l1 and l2 differ in length");
        l1 = l1.clone();
        l2 = l2.clone();
    }

    @Override
    public double[] l1() { return l1.clone(); }

    @Override
    public double[] l2() { return l2.clone(); }

    public int heads() { return l1.length; }

    public double l1(int head) { return l1[head]; }

    public double l2(int head) { return l2[head]; }

    /** Σ|w| over all heads: the L1 norm of the whole projection. */
    public double totalL1() {
        double s = 0;
        for (double v : l1) s += v;
        return s;
    }
}
