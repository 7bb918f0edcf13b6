package dev.wisca.rescale.plan;

import dev.wisca.io.Dtype;
import java.util.Arrays;

/** What a plan expects of one tensor of the checkpoint it was made for. */
public record TensorFingerprint(String tensor, Dtype dtype, long[] shape) {
    public TensorFingerprint {
        shape = shape.clone();
    }

    @Override
    public long[] shape() { return shape.clone(); }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorFingerprint f && tensor.equals(f.tensor) && dtype == f.dtype && Arrays.equals(shape, f.shape);
    }

    @Override
    public int hashCode() { return tensor.hashCode() * 31 + Arrays.hashCode(shape); }
}
