package dev.wisca.rescale.forward.djl;

import ai.djl.ndarray.NDArray;
import dev.wisca.rescale.forward.ForwardConfig;
import dev.wisca.rescale.spec.NormKind;

/** {@link dev.wisca.rescale.forward.QkNorms} on NDArrays: x is [batch, seq, n · head_dim]. */
final class DjlQkNorms {
    private DjlQkNorms() {}

    static NDArray apply(ForwardConfig c, NDArray x, int heads, NDArray gain) {
        NDArray g = c.norm() == NormKind.RMS_OFFSET ? gain.add(1) : gain;
        if (c.qkNormFullWidth()) return rms(c, x).mul(g);
        long batch = x.getShape().get(0), seq = x.getShape().get(1);
        return rms(c, x.reshape(batch, seq, heads, c.headDim())).mul(g).reshape(batch, seq, (long) heads * c.headDim());
    }

    private static NDArray rms(ForwardConfig c, NDArray x) {
        return x.div(x.square().mean(new int[] {-1}, true).add(c.normEps()).sqrt());
    }
}
