package dev.wisca.io.codec;

/**
 * OCP FP8 E4M3FN (safetensors F8_E4M3): bias 7, no Inf, NaN = S.1111.111, max 448. Like PyTorch's
 * {@code to(torch.float8_e4m3fn)} it does not saturate: values that round beyond 448 (|x| > 464)
 * and ±Inf give NaN. Callers that must stay finite clamp first.
 */
public final class Float8E4M3 {
    public static final FloatFormat FORMAT = new FloatFormat(4, 3, 7, FloatFormat.Specials.FN);

    private Float8E4M3() {}

    /** The exact value of the low 8 bits. */
    public static float toFloat(int bits) { return FORMAT.toFloat(bits); }

    public static double toDouble(int bits) { return FORMAT.toDouble(bits); }

    /** Rounds to nearest, ties to even. */
    public static int encode(float value) { return FORMAT.encode(value); }

    /** Rounds to nearest, ties to even, directly from the double (one rounding). */
    public static int encode(double value) { return FORMAT.encode(value); }
}
