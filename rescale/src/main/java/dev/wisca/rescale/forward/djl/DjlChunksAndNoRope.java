package dev.wisca.rescale.forward.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.wisca.rescale.forward.NoRopeLayers;

/** The NDArray forms of Llama 4's attention pieces: chunked masks, the weightless QK L2 norm, temperature tuning. */
final class DjlChunksAndNoRope {
    private DjlChunksAndNoRope() {}

    /** [seq, seq]: 0 where position i may attend to j (j ≤ i in i's chunk of {@code size}), −∞ elsewhere. */
    static NDArray chunkMask(NDManager manager, int seq, int size, DataType type) {
        double[] mask = new double[seq * seq];
        for (int i = 0; i < seq; i++) {
            for (int j = 0; j < seq; j++) {
                if (j > i || j / size != i / size) mask[i * seq + j] = Double.NEGATIVE_INFINITY;
            }
        }
        return manager.create(mask, new Shape(seq, seq)).toType(type, false);
    }

    /** Each head of x [b, n, t, hd] divided by its RMS (plus eps), no gain. */
    static NDArray l2Norm(NDArray x, double eps) {
        return x.div(x.square().mean(new int[] {-1}, true).add(eps).sqrt());
    }

    /** q [b, heads, t, hd] times the temperature factor of each position (layers without RoPE). */
    static NDArray temperature(NDArray q, NoRopeLayers noRope, int layer) {
        int seq = (int) q.getShape().get(2);
        double[] factors = new double[seq];
        for (int t = 0; t < seq; t++) factors[t] = noRope.queryFactor(layer, t);
        return q.mul(q.getManager().create(factors, new Shape(seq, 1)).toType(q.getDataType(), false));
    }
}
