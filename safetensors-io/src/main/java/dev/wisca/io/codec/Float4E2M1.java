package dev.wisca.io.codec;

/**
 * OCP MX FP4 E2M1 (safetensors F4): bias 1, values ±{0, 0.5, 1, 1.5, 2, 3, 4, 6}, no Inf or NaN;
 * overflow saturates to ±6, NaN becomes negative zero (ml_dtypes' choice).
 */
public final class Float4E2M1 {
    public static final FloatFormat FORMAT = new FloatFormat(2, 1, 1, FloatFormat.Specials.FINITE);

    private Float4E2M1() {}

    /** The exact value of the low 4 bits. */
    public static float toFloat(int bits) { return FORMAT.toFloat(bits); }

    public static double toDouble(int bits) { return FORMAT.toDouble(bits); }

    /** Rounds to nearest, ties to even. */
    public static int encode(float value) { return FORMAT.encode(value); }

    /** Rounds to nearest, ties to even, directly from the double (one rounding). */
    public static int encode(double value) { return FORMAT.encode(value); }
}
