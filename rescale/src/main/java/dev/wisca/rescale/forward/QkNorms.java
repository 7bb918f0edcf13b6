package dev.wisca.rescale.forward;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.spec.BoundRole;
import dev.wisca.rescale.spec.ModelBinding;
import dev.wisca.rescale.spec.Roles;

/**
 * Norms on the q and k projections, before RoPE. Three shapes of gain exist in transformers: one of
 * head_dim applied to every head on its own (Qwen 3, Gemma 3, Phi: the norm is taken per head), one row
 * of head_dim per head, [heads, head_dim] (Cohere: still per head, {@link HeadNorm}; StableLM stores each head's
 * row as its own tensor, read as one vector of heads · head_dim), and one gain over
 * the whole projection width (OLMo 2: {@code q_norm} has heads · head_dim entries in one vector and the
 * RMS is taken over all heads together). Which one a model uses is read from the stored gain's shape;
 * with a single head the per-head and whole-width norms compute the same.
 */
public final class QkNorms {
    private QkNorms() {}

    /**
     * Whether the bound q_norm spans the whole projection (false for per-head norms and models
     * without QK-norm); a shape that is none of head_dim, [heads, head_dim] and heads · head_dim is refused.
     */
    static boolean fullWidth(ModelBinding binding, int heads, int kvHeads, int headDim) {
        if (!ForwardConfigs.bound(binding, Roles.Q_NORM)) return false;
        BoundRole qRole = binding.role(Roles.Q_NORM, 0).orElseThrow();
        long q = qRole.logicalRows();
        long k = binding.role(Roles.K_NORM, 0).map(r -> r.logicalRows()).orElse(-1L);
        if (q == headDim && k == headDim) return false;
        // one stored gain per head (StableLM's q_layernorm.norms.{h}): per head
        if (qRole.tensor().perHead()) return false;
        // one gain row per head (Cohere's [heads, head_dim]): per head
        if (qRole.tensor().matrixRank() == 2 && q == heads && k == kvHeads && qRole.tensor().logicalCols() == headDim) return false;
        if (q == (long) heads * headDim && k == (long) kvHeads * headDim) return true;
        throw new WiscaException(ErrorKind.INVALID_CONFIG, null, null, "q_norm/k_norm have " + q + "/" + k
            + " entries: neither per head (" + headDim + ") nor the whole projection (" + heads * headDim + "/" + kvHeads * headDim
            + "): not supported by the reference forward pass");
    }

    /**
     * Normalizes {@code x} ({@code heads} heads of head_dim) in place with the family's norm kind, over its
     * whole width or per head ({@link HeadNorm}); {@code bias} null without one.
     */
    static void apply(ForwardConfig c, double[] x, int heads, double[] gain, double[] bias) {
        if (c.qkNormFullWidth()) {
            System.arraycopy(ReferenceMath.norm(c.norm(), x, gain, bias, c.normEps()), 0, x, 0, x.length);
            return;
        }
        HeadNorm.apply(x, heads, c.headDim(), c.norm(), gain, bias, c.normEps());
    }
}
