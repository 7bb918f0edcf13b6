package dev.wisca.rescale.forward.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.wisca.rescale.forward.Rope;
import dev.wisca.rescale.spec.RopePairing;

/**
 * RoPE on [batch, heads, seq, headDim] arrays, for either pairing (rotate_half: d with d + rot/2;
 * interleaved: 2i with 2i + 1, Cohere / GPT-J): x·cos + rot(x)·sin, where rot(x) sends the second dim
 * of each pair, negated, to the first and the first to the second. rot is a signed permutation,
 * applied as a product with a matrix of ±1 and 0 (exact in any float type). Angles and cos/sin
 * (times the rope's attention scaling) are computed in double, then cast.
 */
final class DjlRope {
    private final int rot;
    private final int headDim;
    private final NDArray cos;
    private final NDArray sin;
    private final NDArray rotation;

    DjlRope(Rope rope, RopePairing pairing, int headDim, int seq, NDManager manager, DataType type) {
        this.rot = rope.rotaryDims();
        this.headDim = headDim;
        double[] cosv = new double[seq * rot];
        double[] sinv = new double[seq * rot];
        double[] p = new double[rot * rot];
        for (int i = 0; i < rot / 2; i++) {
            int a = pairing.first(i, rot);
            int b = pairing.second(i, rot);
            p[b * rot + a] = -1;
            p[a * rot + b] = 1;
            for (int t = 0; t < seq; t++) {
                double angle = rope.angle(i, t);
                for (int d : new int[] {a, b}) {
                    cosv[t * rot + d] = Math.cos(angle) * rope.attentionScaling();
                    sinv[t * rot + d] = Math.sin(angle) * rope.attentionScaling();
                }
            }
        }
        this.cos = manager.create(cosv, new Shape(seq, rot)).toType(type, false);
        this.sin = manager.create(sinv, new Shape(seq, rot)).toType(type, false);
        this.rotation = manager.create(p, new Shape(rot, rot)).toType(type, false);
    }

    NDArray apply(NDArray x) {
        NDArray rotary = rot == headDim ? x : x.get("..., :" + rot);
        NDArray out = rotary.mul(cos).add(rotary.matMul(rotation).mul(sin));
        return rot == headDim ? out : out.concat(x.get("..., " + rot + ":"), -1);
    }
}
