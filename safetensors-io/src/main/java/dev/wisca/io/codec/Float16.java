package dev.wisca.io.codec;

/**
 * IEEE 754 binary16 (safetensors F16): 5 exponent bits, bias 15, 10 mantissa bits; max 65504,
 * overflow gives ±Inf.
 */
public final class Float16 {
    public static final FloatFormat FORMAT = new FloatFormat(5, 10, 15, FloatFormat.Specials.IEEE);

    private Float16() {}

    /** The exact value of the low 16 bits; a NaN keeps sign and payload and is made quiet. */
    public static float toFloat(int bits) {
        int sign = (bits & 0x8000) << 16;
        int exponentField = (bits >>> 10) & 0x1F;
        int mantissa = bits & 0x3FF;
        if (exponentField == 0x1F) {
            int quiet = mantissa != 0 ? 0x0040_0000 : 0;
            return Float.intBitsToFloat(sign | 0x7F80_0000 | quiet | mantissa << 13);
        }
        if (exponentField == 0) {
            float subnormal = mantissa * 0x1p-24f;
            return sign != 0 ? -subnormal : subnormal;
        }
        return Float.intBitsToFloat(sign | (exponentField + 127 - 15) << 23 | mantissa << 13);
    }

    public static double toDouble(int bits) { return toFloat(bits); }

    /** Rounds to nearest, ties to even. */
    public static int encode(float value) { return FORMAT.encode(value); }

    /** Rounds to nearest, ties to even, directly from the double (one rounding). */
    public static int encode(double value) { return FORMAT.encode(value); }
}
