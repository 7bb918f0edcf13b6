package dev.wisca.rescale.pattern;

import dev.wisca.rescale.spec.IndexMap;

/**
 * Where one attention projection's head axis lives in storage: logical index i (a q/k/v row, or an
 * o column) is stored index {@code map.physical(i)} along the stored rows ({@code storedRows}) or
 * stored columns of {@code tensor}.
 */
record Projection(String tensor, boolean storedRows, IndexMap map) {
    long length() { return map.size(); }

    /** Per-head norms from the sums along the stored axis; {@code length} must be whole heads of {@code headDim}. */
    HeadNorms heads(AxisSums sums, int headDim) {
        int heads = (int) (length() / headDim);
        double[] l1 = new double[heads];
        double[] l2 = new double[heads];
        for (int h = 0; h < heads; h++) {
            double a = 0, sq = 0;
            for (int d = 0; d < headDim; d++) {
                int stored = (int) map.physical((long) h * headDim + d);
                a += sums.l1()[stored];
                sq += sums.sumSquares()[stored];
            }
            l1[h] = a;
            l2[h] = Math.sqrt(sq);
        }
        return new HeadNorms(tensor, l1, l2);
    }
}
