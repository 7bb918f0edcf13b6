package dev.wisca.rescale.forward;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.Tensor;
import dev.wisca.io.WiscaException;
import dev.wisca.io.codec.Codecs;
import dev.wisca.io.codec.ElementCodec;

/** Decodes stored tensor elements (any float dtype) into Java doubles. */
public final class TensorValues {
    private TensorValues() {}

    /** Elements {@code [from, from + count)} of {@code t} in storage order. */
    public static double[] read(Tensor t, long from, int count) {
        double[] out = new double[count];
        codec(t).decode(t.data(), from, out, count);
        return out;
    }

    /** The codec of {@code t}'s dtype; UNSUPPORTED_DTYPE, naming the tensor, where the forward pass cannot decode it. */
    public static ElementCodec codec(Tensor t) {
        if (!Codecs.hasCodec(t.dtype())) {
            throw new WiscaException(ErrorKind.UNSUPPORTED_DTYPE, t.file(), t.name(), "dtype " + t.dtype()
                + " cannot be decoded for the forward pass (float dtypes of 8 bits or more only)");
        }
        return Codecs.of(t.dtype());
    }

    /** Every element of a tensor small enough for a Java array. */
    public static double[] readAll(Tensor t) {
        long n = t.elementCount();
        if (n > Integer.MAX_VALUE - 8) {
            throw new WiscaException(ErrorKind.INVALID_ARGUMENT, t.file(), t.name(), n
                + " elements are too many for the plain-Java reference forward pass; use the DJL forward pass");
        }
        return read(t, 0, (int) n);
    }
}
