package dev.wisca.io.codec;

/**
 * FP8 E5M2FNUZ (safetensors F8_E5M2FNUZ): bias 16, no Inf, no negative zero, the single NaN is
 * 0x80; max 57344; overflow gives NaN (as PyTorch).
 */
public final class Float8E5M2Fnuz {
    public static final FloatFormat FORMAT = new FloatFormat(5, 2, 16, FloatFormat.Specials.FNUZ);

    private Float8E5M2Fnuz() {}

    /** The exact value of the low 8 bits. */
    public static float toFloat(int bits) { return FORMAT.toFloat(bits); }

    public static double toDouble(int bits) { return FORMAT.toDouble(bits); }

    /** Rounds to nearest, ties to even. */
    public static int encode(float value) { return FORMAT.encode(value); }

    /** Rounds to nearest, ties to even, directly from the double (one rounding). */
    public static int encode(double value) { return FORMAT.encode(value); }
}
