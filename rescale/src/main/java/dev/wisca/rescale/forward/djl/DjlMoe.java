package dev.wisca.rescale.forward.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import dev.wisca.rescale.forward.ClampedSwiglu;
import dev.wisca.rescale.forward.ForwardConfig;
import dev.wisca.rescale.forward.Routing;
import java.util.Arrays;

/** The NDArray forms of {@link Routing}, {@link ClampedSwiglu} and attention sinks. */
final class DjlMoe {
    private DjlMoe() {}

    /**
     * Dense routing weights [..., experts] from router logits [..., experts]: 0 where an expert is
     * not chosen, so running every expert and summing gives the sparse dispatch's result.
     */
    static NDArray weights(Routing routing, ForwardConfig.Moe moe, NDArray logits, NDArray correction) {
        if (routing.kind() == Routing.Kind.SIGMOID_GROUPED) return grouped(routing, moe, logits, correction);
        NDArray scores = routing.kind() == Routing.Kind.SOFTMAX_TOPK ? logits.softmax(-1) : logits;
        NDList top = scores.topK(moe.topK(), -1, true, false);
        NDArray values = top.get(0).getDataType() == DataType.INT64 ? top.get(1) : top.get(0);
        NDArray indices = top.get(0).getDataType() == DataType.INT64 ? top.get(0) : top.get(1);
        if (routing.kind() == Routing.Kind.TOPK_SOFTMAX) values = values.softmax(-1);
        else if (routing.kind() == Routing.Kind.TOPK_SIGMOID_INPUT) values = values.neg().exp().add(1).pow(-1);
        else if (moe.renormalize()) values = values.div(values.sum(new int[] {-1}, true));
        NDArray[] perExpert = new NDArray[moe.experts()];
        for (int e = 0; e < moe.experts(); e++) {
            perExpert[e] = indices.eq(e).toType(values.getDataType(), false).mul(values).sum(new int[] {-1}, true);
        }
        return NDArrays.concat(new NDList(perExpert), -1);
    }

    /**
     * Grouped routing picks per token with data-dependent masks; the logits come from the engine and
     * the choice is made per token by {@link Routing#weights} in double (tokens × experts numbers).
     */
    private static NDArray grouped(Routing routing, ForwardConfig.Moe moe, NDArray logits, NDArray correction) {
        double[] all = logits.toType(DataType.FLOAT64, false).toDoubleArray();
        double[] bias = correction == null ? null : correction.toType(DataType.FLOAT64, false).toDoubleArray();
        int experts = moe.experts();
        double[] out = new double[all.length];
        for (int token = 0; token < all.length / experts; token++) {
            double[] row = Arrays.copyOfRange(all, token * experts, (token + 1) * experts);
            System.arraycopy(routing.weights(row, moe.topK(), moe.renormalize(), bias), 0, out, token * experts, experts);
        }
        return logits.getManager().create(out, logits.getShape()).toType(logits.getDataType(), false);
    }

    /** (clamp(up, ±limit) + 1) · g · σ(alpha · g) with g = min(gate, limit). */
    static NDArray clampedSwiglu(ClampedSwiglu s, NDArray gate, NDArray up) {
        NDArray g = gate.minimum(s.limit());
        NDArray u = up.clip(-s.limit(), s.limit());
        NDArray glu = g.div(g.mul(-s.alpha()).exp().add(1));
        return u.add(1).mul(glu);
    }

    /** Softmax over the last axis of scores [b, heads, t, t] joined by one sink logit per head [heads], sink dropped. */
    static NDArray softmaxWithSinks(NDArray scores, NDArray sinks) {
        long[] s = scores.getShape().getShape();
        NDArray column = sinks.reshape(1, s[1], 1, 1).broadcast(s[0], s[1], s[2], 1);
        NDArray probs = scores.concat(column, -1).softmax(-1);
        return probs.get("..., :" + s[3]);
    }
}
