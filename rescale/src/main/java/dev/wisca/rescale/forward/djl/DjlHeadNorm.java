package dev.wisca.rescale.forward.djl;

import ai.djl.ndarray.NDArray;
import dev.wisca.rescale.forward.ForwardConfig;
import dev.wisca.rescale.spec.NormKind;
import dev.wisca.rescale.spec.Roles;

/**
 * QK-norm on [batch, heads, seq, headDim] arrays: each head normalized over its dims with the
 * family's norm kind (RMSNorm: Qwen 3; LayerNorm with bias: Phi; LayerNorm without bias: Cohere).
 * A gain (and bias) of [headDim] is shared by every head; one of [heads, headDim] (Cohere) holds a
 * row per head and is broadcast as [heads, 1, headDim].
 */
final class DjlHeadNorm {
    private DjlHeadNorm() {}

    static NDArray apply(NDArray x, DjlWeights w, String role, int layer, ForwardConfig c) {
        long heads = x.getShape().get(1);
        NDArray gain = perHead(w.matrix(role, layer, 0), heads, c.headDim());
        NDArray bias = c.norm() == NormKind.LAYERNORM
            ? w.optional(Roles.bias(role), layer, 0).map(b -> perHead(b, heads, c.headDim())).orElse(null) : null;
        return DjlBlocks.normalize(x, gain, bias, c.norm(), c.normEps());
    }

    private static NDArray perHead(NDArray v, long heads, int headDim) {
        return v.size() == heads * headDim && heads > 1 ? v.reshape(heads, 1, headDim) : v.reshape(headDim);
    }
}
