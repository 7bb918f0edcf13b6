package dev.wisca.rescale.backend;

import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Scalar element access by dtype: the reference every fast path is checked against. */
public final class Elements {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Elements() {}

    public static double get(MemorySegment seg, Dtype dtype, long index) {
        return switch (dtype) {
            case F32 -> seg.getAtIndex(F32, index);
            case F64 -> seg.getAtIndex(F64, index);
            case BF16 -> Float.intBitsToFloat(seg.getAtIndex(U16, index) << 16);
            case F16 -> Float.float16ToFloat(seg.getAtIndex(U16, index));
            default -> throw unsupported(dtype);
        };
    }

    public static void set(MemorySegment seg, Dtype dtype, long index, double value) {
        switch (dtype) {
            case F32 -> seg.setAtIndex(F32, index, (float) value);
            case F64 -> seg.setAtIndex(F64, index, value);
            case BF16 -> seg.setAtIndex(U16, index, bf16((float) value));
            case F16 -> seg.setAtIndex(U16, index, Float.floatToFloat16((float) value));
            default -> throw unsupported(dtype);
        }
    }

    public static boolean supports(Dtype dtype) {
        return dtype == Dtype.F32 || dtype == Dtype.F64 || dtype == Dtype.BF16 || dtype == Dtype.F16;
    }

    /** Largest finite value of a float dtype. */
    public static double maxFinite(Dtype dtype) {
        return switch (dtype) {
            case F16 -> 65504.0;
            case BF16 -> 3.3895313892515355e38;
            case F32 -> Float.MAX_VALUE;
            case F8_E4M3 -> 448.0;
            case F8_E5M2 -> 57344.0;
            default -> Double.MAX_VALUE;
        };
    }

    private static short bf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    static WiscaException unsupported(Dtype dtype) {
        return new WiscaException(ErrorKind.UNSUPPORTED_DTYPE, null, null,
            "cannot scale " + dtype + " tensors (float dtypes only)");
    }
}
