package dev.wisca.rescale.forward;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.spec.ModelBinding;
import dev.wisca.rescale.spec.Roles;

import java.util.Arrays;

/**
 * RMS norms on the q and k projections, before RoPE. Two shapes exist in transformers: one gain of
 * head_dim applied to every head on its own (Qwen 3, Gemma 3: the RMS is taken per head), and one
 * gain over the whole projection width (OLMo 2: {@code q_norm} has heads · head_dim entries and the
 * RMS is taken over all heads together). Which one a model uses is read from the stored gain's length;
 * with a single head both compute the same.
 */
public final class QkNorms {
    private QkNorms() {}

    /**
     * Whether the bound q_norm spans the whole projection (false for per-head norms and models
     * without QK-norm); a length that is neither head_dim nor heads · head_dim is refused.
     */
    static boolean fullWidth(ModelBinding binding, int heads, int kvHeads, int headDim) {
        if (!ForwardConfigs.bound(binding, Roles.Q_NORM)) return false;
        long q = binding.role(Roles.Q_NORM, 0).orElseThrow().logicalRows();
        long k = binding.role(Roles.K_NORM, 0).map(r -> r.logicalRows()).orElse(-1L);
        if (q == headDim && k == headDim) return false;
        if (q == (long) heads * headDim && k == (long) kvHeads * headDim) return true;
        throw new WiscaException(ErrorKind.INVALID_CONFIG, null, null, "q_norm/k_norm have " + q + "/" + k
            + " entries: neither per head (" + headDim + ") nor the whole projection (" + heads * headDim + "/" + kvHeads * headDim
            + "): not supported by the reference forward pass");
    }

    /** RMS-normalizes {@code x} ({@code heads} heads of head_dim) in place, per head or over its whole width. */
    static void apply(ForwardConfig c, double[] x, int heads, double[] gain) {
        boolean offset = c.norm() == dev.wisca.rescale.spec.NormKind.RMS_OFFSET;
        if (c.qkNormFullWidth()) {
            System.arraycopy(ReferenceMath.rmsNorm(x, gain, c.normEps(), offset), 0, x, 0, x.length);
            return;
        }
        int hd = c.headDim();
        for (int h = 0; h < heads; h++) {
            double[] normed = ReferenceMath.rmsNorm(Arrays.copyOfRange(x, h * hd, (h + 1) * hd), gain, c.normEps(), offset);
            System.arraycopy(normed, 0, x, h * hd, hd);
        }
    }
}
