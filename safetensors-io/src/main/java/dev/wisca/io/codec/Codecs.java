package dev.wisca.io.codec;

import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.util.EnumMap;
import java.util.Map;

/**
 * What wisca knows about the values of each dtype: the element codec, the largest finite value, and
 * whether the storage is narrow. The one place that switches on {@link Dtype} for values.
 */
public final class Codecs {

    /** Per float dtype: its codec (null where elements are not addressable one by one) and max finite value. */
    private record FloatDtype(ElementCodec codec, double maxFinite) {}

    private static final Map<Dtype, FloatDtype> FLOAT_DTYPES = describeFloatDtypes();

    private Codecs() {}

    /**
     * The codec of a float dtype. Throws {@link WiscaException} ({@link ErrorKind#UNSUPPORTED_DTYPE}) for
     * integer, bool and complex dtypes, and for the packed sub-byte F4/F6 formats, whose element order
     * within a byte is not fixed by the safetensors format (use {@link Float4E2M1} etc. on unpacked bits).
     */
    public static ElementCodec of(Dtype dtype) {
        FloatDtype described = FLOAT_DTYPES.get(dtype);
        if (described == null || described.codec() == null) {
            throw unsupported(dtype, "has no element codec (float dtypes of 8 bits or more only)");
        }
        return described.codec();
    }

    /** Whether {@link #of(Dtype)} gives a codec. */
    public static boolean hasCodec(Dtype dtype) {
        FloatDtype described = FLOAT_DTYPES.get(dtype);
        return described != null && described.codec() != null;
    }

    /** The largest finite value of a float dtype (65504 for F16, 448 for F8_E4M3, 2^127 for F8_E8M0). */
    public static double maxFinite(Dtype dtype) {
        FloatDtype described = FLOAT_DTYPES.get(dtype);
        if (described == null) {
            throw unsupported(dtype, "is not a float dtype");
        }
        return described.maxFinite();
    }

    /**
     * True for float dtypes narrower than F32 (BF16, F16, FP8, FP6, FP4): rescaling them by real factors
     * would re-round every weight, so exact power-of-two scales are the default there.
     */
    public static boolean isStorageNarrow(Dtype dtype) {
        if (!FLOAT_DTYPES.containsKey(dtype)) {
            throw unsupported(dtype, "is not a float dtype");
        }
        return dtype.bits() < 32;
    }

    private static WiscaException unsupported(Dtype dtype, String what) {
        return new WiscaException(ErrorKind.UNSUPPORTED_DTYPE, null, null, "dtype " + dtype + " " + what);
    }

    private static Map<Dtype, FloatDtype> describeFloatDtypes() {
        Map<Dtype, FloatDtype> byDtype = new EnumMap<>(Dtype.class);
        for (Dtype dtype : Dtype.values()) {
            FloatDtype described = switch (dtype) {
                case F64 -> new FloatDtype(Float64Codec.INSTANCE, Double.MAX_VALUE);
                case F32 -> new FloatDtype(Float32Codec.INSTANCE, Float.MAX_VALUE);
                case F16 -> new FloatDtype(Float16Codec.INSTANCE, Float16.FORMAT.maxFinite());
                case BF16 -> new FloatDtype(BFloat16Codec.INSTANCE, BFloat16.FORMAT.maxFinite());
                case F8_E4M3 -> byteFloat(dtype, Float8E4M3.FORMAT);
                case F8_E5M2 -> byteFloat(dtype, Float8E5M2.FORMAT);
                case F8_E4M3FNUZ -> byteFloat(dtype, Float8E4M3Fnuz.FORMAT);
                case F8_E5M2FNUZ -> byteFloat(dtype, Float8E5M2Fnuz.FORMAT);
                case F8_E8M0 -> new FloatDtype(
                        new ByteFloatCodec(dtype, Float8E8M0::toDouble, null), Float8E8M0.maxFinite());
                case F4 -> new FloatDtype(null, Float4E2M1.FORMAT.maxFinite());
                case F6_E2M3 -> new FloatDtype(null, Float6E2M3.FORMAT.maxFinite());
                case F6_E3M2 -> new FloatDtype(null, Float6E3M2.FORMAT.maxFinite());
                case BOOL, U8, I8, I16, U16, I32, U32, C64, I64, U64 -> null;
            };
            if (described != null) {
                byDtype.put(dtype, described);
            }
        }
        return byDtype;
    }

    private static FloatDtype byteFloat(Dtype dtype, FloatFormat format) {
        return new FloatDtype(new ByteFloatCodec(dtype, format::toDouble, format), format.maxFinite());
    }
}
