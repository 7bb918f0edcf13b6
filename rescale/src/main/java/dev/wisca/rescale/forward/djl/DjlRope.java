package dev.wisca.rescale.forward.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.wisca.rescale.forward.Rope;

/** rotate_half RoPE on [batch, heads, seq, headDim] arrays; angles and cos/sin (times the rope's attention scaling) computed in double, then cast. */
final class DjlRope {
    private final int rot;
    private final int headDim;
    private final NDArray cos;
    private final NDArray sin;

    DjlRope(Rope rope, int headDim, int seq, NDManager manager, DataType type) {
        this.rot = rope.rotaryDims();
        this.headDim = headDim;
        int half = rot / 2;
        double[] cosv = new double[seq * rot];
        double[] sinv = new double[seq * rot];
        for (int t = 0; t < seq; t++) {
            for (int d = 0; d < rot; d++) {
                double angle = rope.angle(d % half, t);
                cosv[t * rot + d] = Math.cos(angle) * rope.attentionScaling();
                sinv[t * rot + d] = Math.sin(angle) * rope.attentionScaling();
            }
        }
        this.cos = manager.create(cosv, new Shape(seq, rot)).toType(type, false);
        this.sin = manager.create(sinv, new Shape(seq, rot)).toType(type, false);
    }

    NDArray apply(NDArray x) {
        int half = rot / 2;
        NDArray rotary = rot == headDim ? x : x.get("..., :" + rot);
        NDArray x1 = rotary.get("..., :" + half);
        NDArray x2 = rotary.get("..., " + half + ":");
        NDArray rotated = x2.neg().concat(x1, -1);
        NDArray out = rotary.mul(cos).add(rotated.mul(sin));
        return rot == headDim ? out : out.concat(x.get("..., " + rot + ":"), -1);
    }
}
