package dev.wisca.io.codec;

/**
 * bfloat16 (safetensors BF16): the top half of an IEEE binary32, 8 exponent bits, bias 127, 7 mantissa
 * bits; overflow gives ±Inf. Decoding is a shift; encoding rounds once, to nearest with ties to even.
 */
public final class BFloat16 {
    public static final FloatFormat FORMAT = new FloatFormat(8, 7, 127, FloatFormat.Specials.IEEE);

    private BFloat16() {}

    /** The exact value of the low 16 bits; a NaN keeps sign and payload and is made quiet. */
    public static float toFloat(int bits) {
        int floatBits = (bits & 0xFFFF) << 16;
        if ((floatBits & 0x7FFF_FFFF) > 0x7F80_0000) {
            floatBits |= 0x0040_0000;
        }
        return Float.intBitsToFloat(floatBits);
    }

    public static double toDouble(int bits) { return toFloat(bits); }

    /** Rounds to nearest, ties to even; a NaN stays NaN, quiet, with its sign and top payload bits. */
    public static int encode(float value) {
        if (Float.isNaN(value)) {
            return FORMAT.encode(value);
        }
        int bits = Float.floatToRawIntBits(value);
        return ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16) & 0xFFFF;
    }

    /** Rounds directly from the double (one rounding, not via float). */
    public static int encode(double value) {
        return Double.isNaN(value) ? FORMAT.encode(value) : encode(RoundToOdd.toFloat(value));
    }
}
