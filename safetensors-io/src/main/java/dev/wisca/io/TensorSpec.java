package dev.wisca.io;

import java.util.Arrays;

/** What the writer needs to lay out one tensor before any data is written. */
public record TensorSpec(String name, Dtype dtype, long[] shape) {
    public TensorSpec {
        shape = shape.clone();
    }

    @Override
    public long[] shape() { return shape.clone(); }

    public static TensorSpec of(TensorInfo info) {
        return new TensorSpec(info.name(), info.dtype(), info.shape());
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    /** Bytes this tensor occupies; sub-byte dtypes must fill whole bytes. */
    public long byteLength() {
        long bits = Math.multiplyExact(elementCount(), (long) dtype.bits());
        if (bits % 8 != 0) throw new IllegalArgumentException(name + ": " + bits + " bits is not a whole number of bytes");
        return bits / 8;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape);
    }

    @Override
    public int hashCode() { return name.hashCode() * 31 + Arrays.hashCode(shape); }

    @Override
    public String toString() { return name + " " + dtype + Arrays.toString(shape); }
}
