package dev.wisca.rescale.forward.djl;

import ai.djl.ndarray.NDArray;
import dev.wisca.rescale.forward.ForwardConfig;
import dev.wisca.rescale.forward.LatentAttention;
import dev.wisca.rescale.spec.Roles;
import dev.wisca.rescale.spec.RopePairing;

/** {@link LatentAttention} on NDArrays: x is [batch, seq, hidden]. */
final class DjlLatentAttention {
    private DjlLatentAttention() {}

    /** {@code mask} [seq, seq] is the causal mask. */
    static NDArray attend(ForwardConfig c, DjlWeights w, NDArray x, int layer, NDArray mask) {
        LatentAttention m = c.latent();
        long batch = x.getShape().get(0);
        long seq = x.getShape().get(1);
        // rotate_half on [.., ropeDim] arrays: rotate() gathers interleaved pairs into that layout itself, so the
        // model's RoPE (built with the spec's rope.pairing for ordinary attention) is not the one to use here
        DjlRope rope = new DjlRope(c.rope().forLength((int) seq), RopePairing.ROTATE_HALF, m.ropeDim(), (int) seq, x.getManager(),
            x.getDataType());
        int heads = c.heads();
        NDArray qIn = m.qLoraRank() == 0 ? x
            : rms(project(x, w, LatentAttention.Q_A, layer), w.matrix(LatentAttention.Q_A_NORM, layer, 0), m.latentEps());
        NDArray q = project(qIn, w, LatentAttention.Q_B, layer).reshape(batch, seq, heads, m.qkDim()).transpose(0, 2, 1, 3);
        NDArray qNope = q.get("..., :" + m.nopeDim());
        NDArray qRope = rotate(q.get("..., " + m.nopeDim() + ":"), m, rope);
        NDArray compressed = project(x, w, LatentAttention.KV_A, layer);
        NDArray latent = rms(compressed.get("..., :" + m.kvLoraRank()), w.matrix(LatentAttention.KV_A_NORM, layer, 0), m.latentEps());
        NDArray kRope = rotate(compressed.get("..., " + m.kvLoraRank() + ":").reshape(batch, 1, seq, m.ropeDim()), m, rope);
        NDArray kv = project(latent, w, LatentAttention.KV_B, layer).reshape(batch, seq, heads, m.nopeDim() + m.vDim()).transpose(0, 2, 1, 3);
        NDArray kNope = kv.get("..., :" + m.nopeDim());
        NDArray v = kv.get("..., " + m.nopeDim() + ":");
        NDArray scores = qNope.matMul(kNope.transpose(0, 1, 3, 2))
            .add(qRope.matMul(kRope.repeat(1, heads).transpose(0, 1, 3, 2))).mul(m.scale());
        NDArray out = scores.add(mask).softmax(-1).matMul(v).transpose(0, 2, 1, 3).reshape(batch, seq, (long) heads * m.vDim());
        return project(out, w, LatentAttention.O, layer);
    }

    /**
     * Interleaved pairs (2i, 2i + 1) are gathered into the rotate_half layout first (evens, then odds),
     * as transformers' apply_rotary_pos_emb_interleave does; dot products between rotated vectors do not
     * depend on that permutation.
     */
    private static NDArray rotate(NDArray x, LatentAttention m, DjlRope rope) {
        NDArray y = m.interleave() ? x.get("..., 0::2").concat(x.get("..., 1::2"), -1) : x;
        return rope.apply(y);
    }

    private static NDArray rms(NDArray x, NDArray gain, double eps) {
        return x.div(x.square().mean(new int[] {-1}, true).add(eps).sqrt()).mul(gain);
    }

    private static NDArray project(NDArray x, DjlWeights w, String role, int layer) {
        NDArray y = x.matMul(w.matrix(role, layer, 0).transpose());
        return w.optional(Roles.bias(role), layer, 0).map(y::add).orElse(y);
    }
}
