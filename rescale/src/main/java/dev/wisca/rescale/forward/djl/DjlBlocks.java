package dev.wisca.rescale.forward.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import dev.wisca.rescale.forward.Activation;
import dev.wisca.rescale.forward.ForwardConfig;
import dev.wisca.rescale.spec.NormKind;
import dev.wisca.rescale.spec.Roles;

/** One decoder layer on NDArrays: x is [batch, seq, hidden]. */
final class DjlBlocks {
    private final ForwardConfig c;
    private final DjlRope rope;
    private final NDArray causal;
    private final NDArray sliding;

    /**
     * {@code rope} null without RoPE; {@code causal} [seq, seq] with −∞ above the diagonal;
     * {@code sliding} the same, also −∞ beyond the sliding window (for the layers that slide).
     */
    DjlBlocks(ForwardConfig config, DjlRope rope, NDArray causal, NDArray sliding) {
        this.c = config;
        this.rope = rope;
        this.causal = causal;
        this.sliding = sliding;
    }

    NDArray layer(NDArray x, DjlWeights w, int layer) {
        return switch (c.block()) {
            case SEQUENTIAL -> {
                NDArray h = x.add(attention(norm(x, w, c.attnNorm(), layer), w, layer));
                yield h.add(mlp(norm(h, w, c.mlpNorm(), layer), w, layer));
            }
            case PARALLEL -> {
                NDArray attnIn = norm(x, w, c.attnNorm(), layer);
                NDArray mlpIn = c.mlpNorm().equals(c.attnNorm()) ? attnIn : norm(x, w, c.mlpNorm(), layer);
                yield x.add(attention(attnIn, w, layer)).add(mlp(mlpIn, w, layer));
            }
            case POST_NORM -> {
                NDArray h = norm(x.add(attention(x, w, layer)), w, c.attnNorm(), layer);
                yield norm(h.add(mlp(h, w, layer)), w, c.mlpNorm(), layer);
            }
            case SANDWICH -> {
                NDArray h = x.add(norm(attention(norm(x, w, c.attnNorm(), layer), w, layer), w, c.attnOutNorm(), layer));
                yield h.add(norm(mlp(norm(h, w, c.mlpNorm(), layer), w, layer), w, c.mlpOutNorm(), layer));
            }
        };
    }

    NDArray norm(NDArray x, DjlWeights w, String role, int layer) {
        NDArray gain = w.matrix(role, layer, 0);
        return switch (c.norm()) {
            case RMS -> rms(x, gain);
            case RMS_OFFSET -> rms(x, gain.add(1));
            case LAYERNORM -> {
                NDArray centered = x.sub(x.mean(new int[] {-1}, true));
                NDArray var = centered.square().mean(new int[] {-1}, true);
                NDArray y = centered.div(var.add(c.normEps()).sqrt()).mul(gain);
                yield w.optional(Roles.bias(role), layer, 0).map(y::add).orElse(y);
            }
        };
    }

    private NDArray rms(NDArray x, NDArray gain) {
        return x.div(x.square().mean(new int[] {-1}, true).add(c.normEps()).sqrt()).mul(gain);
    }

    private NDArray attention(NDArray x, DjlWeights w, int layer) {
        long batch = x.getShape().get(0);
        long seq = x.getShape().get(1);
        int hd = c.headDim();
        NDArray q = heads(project(x, w, Roles.Q, layer, 0), c.heads());
        NDArray k = heads(project(x, w, Roles.K, layer, 0), c.kvHeads());
        NDArray v = heads(project(x, w, Roles.V, layer, 0), c.kvHeads());
        if (c.qkNorm()) {
            q = headRms(q, w.matrix(Roles.Q_NORM, layer, 0));
            k = headRms(k, w.matrix(Roles.K_NORM, layer, 0));
        }
        if (rope != null) {
            q = rope.apply(q);
            k = rope.apply(k);
        }
        if (c.groupSize() > 1) {
            k = k.repeat(1, c.groupSize());
            v = v.repeat(1, c.groupSize());
        }
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(c.attnScale());
        if (c.attnSoftcap() != 0) scores = scores.div(c.attnSoftcap()).tanh().mul(c.attnSoftcap());
        NDArray probs = scores.add(c.slidingWindow().window(layer) > 0 ? sliding : causal).softmax(-1);
        NDArray out = probs.matMul(v).transpose(0, 2, 1, 3).reshape(batch, seq, (long) c.heads() * hd);
        return project(out, w, Roles.O, layer, 0);
    }

    /** [b, t, n·hd] → [b, n, t, hd]. */
    private NDArray heads(NDArray x, int n) {
        return x.reshape(x.getShape().get(0), x.getShape().get(1), n, c.headDim()).transpose(0, 2, 1, 3);
    }

    private NDArray headRms(NDArray x, NDArray gain) {
        return rms(x, c.norm() == NormKind.RMS_OFFSET ? gain.add(1) : gain);
    }

    private NDArray mlp(NDArray x, DjlWeights w, int layer) {
        if (c.moe() == null) return dense(x, w, layer, 0, false);
        return experts(x, w, layer);
    }

    private NDArray dense(NDArray x, DjlWeights w, int layer, int expert, boolean shared) {
        if (!c.mlp().gated()) {
            return project(activate(project(x, w, Roles.UP, layer, 0)), w, Roles.DOWN, layer, 0);
        }
        NDArray g = project(x, w, shared ? Roles.SHARED_GATE : Roles.GATE, layer, expert);
        NDArray u = project(x, w, shared ? Roles.SHARED_UP : Roles.UP, layer, expert);
        return project(activate(g).mul(u), w, shared ? Roles.SHARED_DOWN : Roles.DOWN, layer, expert);
    }

    /**
     * softmax over experts, top-k, optional renormalization. Every expert runs on every token and is
     * weighted by its routing weight (0 where not chosen): the same sum as sparse dispatch.
     */
    private NDArray experts(NDArray x, DjlWeights w, int layer) {
        ForwardConfig.Moe moe = c.moe();
        NDArray probs = x.matMul(w.matrix(Roles.ROUTER, layer, 0).transpose()).softmax(-1);
        NDList top = probs.topK(moe.topK(), -1, true, false);
        NDArray values = top.get(0).getDataType() == DataType.INT64 ? top.get(1) : top.get(0);
        NDArray indices = top.get(0).getDataType() == DataType.INT64 ? top.get(0) : top.get(1);
        if (moe.renormalize()) values = values.div(values.sum(new int[] {-1}, true));
        NDArray y = x.zerosLike();
        for (int e = 0; e < moe.experts(); e++) {
            NDArray weight = indices.eq(e).toType(values.getDataType(), false).mul(values).sum(new int[] {-1}, true);
            y = y.add(dense(x, w, layer, e, false).mul(weight));
        }
        if (moe.sharedExpert()) {
            NDArray gate = x.matMul(w.matrix(Roles.SHARED_EXPERT_GATE, layer, 0).transpose());
            NDArray sigmoid = gate.neg().exp().add(1).pow(-1);
            y = y.add(dense(x, w, layer, 0, true).mul(sigmoid));
        }
        return y;
    }

    private NDArray activate(NDArray x) {
        return switch (c.activation()) {
            case SILU -> x.div(x.neg().exp().add(1));
            case GELU_ERF -> x.mul(0.5).mul(x.div(Math.sqrt(2)).erf().add(1));
            case GELU_TANH -> x.mul(0.5).mul(x.add(x.pow(3).mul(Activation.GELU_TANH_CUBIC)).mul(Activation.GELU_TANH_C).tanh().add(1));
            case RELU -> x.maximum(0);
        };
    }

    private NDArray project(NDArray x, DjlWeights w, String role, int layer, int expert) {
        NDArray y = x.matMul(w.matrix(role, layer, expert).transpose());
        return w.optional(Roles.bias(role), layer, 0).map(y::add).orElse(y);
    }
}
