package dev.wisca.hooks;

import dev.wisca.io.Dtype;
import java.util.Arrays;

/** A named parameter of a training loop, named as in the checkpoint the architecture spec describes. */
public record ParameterInfo(String name, Dtype dtype, long[] shape) {
    public ParameterInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() { return shape.clone(); }

    @Override
    public boolean equals(Object o) {
        return o instanceof ParameterInfo p && name.equals(p.name) && dtype == p.dtype && Arrays.equals(shape, p.shape);
    }

    @Override
    public int hashCode() { return name.hashCode() * 31 + Arrays.hashCode(shape); }

    @Override
    public String toString() { return name + " " + dtype + Arrays.toString(shape); }
}
