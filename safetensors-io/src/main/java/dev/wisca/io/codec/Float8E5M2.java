package dev.wisca.io.codec;

/**
 * OCP FP8 E5M2 (safetensors F8_E5M2): IEEE-like with ±Inf and NaN, bias 15; max 57344, overflow
 * gives ±Inf.
 */
public final class Float8E5M2 {
    public static final FloatFormat FORMAT = new FloatFormat(5, 2, 15, FloatFormat.Specials.IEEE);

    private Float8E5M2() {}

    /** The exact value of the low 8 bits. */
    public static float toFloat(int bits) { return FORMAT.toFloat(bits); }

    public static double toDouble(int bits) { return FORMAT.toDouble(bits); }

    /** Rounds to nearest, ties to even. */
    public static int encode(float value) { return FORMAT.encode(value); }

    /** Rounds to nearest, ties to even, directly from the double (one rounding). */
    public static int encode(double value) { return FORMAT.encode(value); }
}
