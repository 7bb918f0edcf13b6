package dev.wisca.io.codec;

/**
 * OCP MX FP6 E2M3 (safetensors F6_E2M3): bias 1, max 7.5, smallest subnormal 0.125, no Inf or NaN;
 * overflow saturates, NaN becomes negative zero (ml_dtypes' choice).
 */
public final class Float6E2M3 {
    public static final FloatFormat FORMAT = new FloatFormat(2, 3, 1, FloatFormat.Specials.FINITE);

    private Float6E2M3() {}

    /** The exact value of the low 6 bits. */
    public static float toFloat(int bits) { return FORMAT.toFloat(bits); }

    public static double toDouble(int bits) { return FORMAT.toDouble(bits); }

    /** Rounds to nearest, ties to even. */
    public static int encode(float value) { return FORMAT.encode(value); }

    /** Rounds to nearest, ties to even, directly from the double (one rounding). */
    public static int encode(double value) { return FORMAT.encode(value); }
}
