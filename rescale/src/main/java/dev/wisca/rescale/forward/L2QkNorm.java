package dev.wisca.rescale.forward;

/**
 * Llama 4's weightless QK norm ({@code use_qk_norm}, in the RoPE layers only, after RoPE): each head of
 * q and k becomes {@code x / sqrt(mean(x²) + eps)}, with the model's RMS-norm epsilon and no gain.
 */
final class L2QkNorm {
    private L2QkNorm() {}

    /** Normalizes {@code heads} heads of {@code hd} dims of {@code x} in place. */
    static void apply(double[] x, int heads, int hd, double eps) {
        for (int h = 0; h < heads; h++) {
            double sum = 0;
            for (int d = 0; d < hd; d++) sum += x[h * hd + d] * x[h * hd + d];
            double inv = 1 / Math.sqrt(sum / hd + eps);
            for (int d = 0; d < hd; d++) x[h * hd + d] *= inv;
        }
    }
}
