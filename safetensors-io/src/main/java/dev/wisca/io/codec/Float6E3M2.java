package dev.wisca.io.codec;

/**
 * OCP MX FP6 E3M2 (safetensors F6_E3M2): bias 3, max 28, smallest subnormal 0.0625, no Inf or NaN;
 * overflow saturates, NaN becomes negative zero (ml_dtypes' choice).
 */
public final class Float6E3M2 {
    public static final FloatFormat FORMAT = new FloatFormat(3, 2, 3, FloatFormat.Specials.FINITE);

    private Float6E3M2() {}

    /** The exact value of the low 6 bits. */
    public static float toFloat(int bits) { return FORMAT.toFloat(bits); }

    public static double toDouble(int bits) { return FORMAT.toDouble(bits); }

    /** Rounds to nearest, ties to even. */
    public static int encode(float value) { return FORMAT.encode(value); }

    /** Rounds to nearest, ties to even, directly from the double (one rounding). */
    public static int encode(double value) { return FORMAT.encode(value); }
}
