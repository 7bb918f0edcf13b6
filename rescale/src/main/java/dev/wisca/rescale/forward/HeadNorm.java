package dev.wisca.rescale.forward;

import dev.wisca.rescale.spec.NormKind;

import java.util.Arrays;

/**
 * QK-norm of the reference forward pass: each head of a q or k vector normalized on its own before
 * RoPE, with the family's norm kind (RMSNorm: Qwen 3; LayerNorm with bias: Phi's qk_layernorm;
 * mean-subtracted LayerNorm without bias: Cohere's use_qk_norm). The gain is either [head_dim], shared
 * by every head, or [heads · head_dim], one row per head (Cohere); the bias likewise, or null.
 */
final class HeadNorm {
    private HeadNorm() {}

    /** Normalizes {@code heads} heads of {@code hd} dims of {@code x} in place. */
    static void apply(double[] x, int heads, int hd, NormKind kind, double[] gain, double[] bias, double eps) {
        boolean perHead = gain.length == heads * hd && heads > 1;
        for (int h = 0; h < heads; h++) {
            double[] head = Arrays.copyOfRange(x, h * hd, (h + 1) * hd);
            double[] g = perHead ? Arrays.copyOfRange(gain, h * hd, (h + 1) * hd) : gain;
            double[] b = bias == null || !perHead ? bias : Arrays.copyOfRange(bias, h * hd, (h + 1) * hd);
            System.arraycopy(ReferenceMath.norm(kind, head, g, b, eps), 0, x, h * hd, hd);
        }
    }
}
