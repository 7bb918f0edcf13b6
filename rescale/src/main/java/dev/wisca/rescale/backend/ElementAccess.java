package dev.wisca.rescale.backend;

import dev.wisca.io.Dtype;
import dev.wisca.io.codec.Codecs;
import java.lang.foreign.MemorySegment;

/**
 * Scalar element access through the dtype codecs (writes round once, to nearest even, from the
 * double): the reference every fast path is checked against.
 */
public final class ElementAccess {
    private ElementAccess() {}

    public static double get(MemorySegment seg, Dtype dtype, long index) {
        return Codecs.of(dtype).get(seg, index);
    }

    public static void set(MemorySegment seg, Dtype dtype, long index, double value) {
        Codecs.of(dtype).set(seg, index, value);
    }

    /** Whether tensors of this dtype can be measured and scaled: float dtypes with an encoding codec. */
    public static boolean supports(Dtype dtype) {
        return Codecs.hasCodec(dtype) && Codecs.of(dtype).canEncode();
    }

    /** Largest finite value of a float dtype. */
    public static double maxFinite(Dtype dtype) {
        return Codecs.maxFinite(dtype);
    }

}
