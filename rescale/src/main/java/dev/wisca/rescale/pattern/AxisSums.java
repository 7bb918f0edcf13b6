package dev.wisca.rescale.pattern;

/** Per-index Σ|w| and Σw² along one stored axis of a matrix (rows: over each row; cols: over each column). */
record AxisSums(double[] l1, double[] sumSquares) {
    static AxisSums zeros(int length) { return new AxisSums(new double[length], new double[length]); }

    void addAt(int offset, AxisSums part) {
        for (int i = 0; i < part.l1.length; i++) {
            l1[offset + i] += part.l1[i];
            sumSquares[offset + i] += part.sumSquares[i];
        }
    }
}
