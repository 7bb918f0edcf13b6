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
        float value = Float.float16ToFloat((short) bits);
        if (value != value) {
            return Float.intBitsToFloat(Float.floatToRawIntBits(value) | 0x0040_0000);
        }
        return value;
    }

    public static double toDouble(int bits) { return toFloat(bits); }

    /** Rounds to nearest, ties to even. */
    public static int encode(float value) {
        return Float.isNaN(value) ? FORMAT.encode(value) : Float.floatToFloat16(value) & 0xFFFF;
    }

    /** Rounds to nearest, ties to even, directly from the double (one rounding). */
    public static int encode(double value) {
        return Double.isNaN(value) ? FORMAT.encode(value) : encode(RoundToOdd.toFloat(value));
    }
}
