package dev.wisca.io.codec;

/**
 * FP8 E4M3FNUZ (safetensors F8_E4M3FNUZ): bias 8, no Inf, no negative zero, the single NaN is
 * 0x80; max 240; overflow gives NaN (as PyTorch).
 */
public final class Float8E4M3Fnuz {
    public static final FloatFormat FORMAT = new FloatFormat(4, 3, 8, FloatFormat.Specials.FNUZ);

    private Float8E4M3Fnuz() {}

    /** The exact value of the low 8 bits. */
    public static float toFloat(int bits) { return FORMAT.toFloat(bits); }

    public static double toDouble(int bits) { return FORMAT.toDouble(bits); }

    /** Rounds to nearest, ties to even. */
    public static int encode(float value) { return FORMAT.encode(value); }

    /** Rounds to nearest, ties to even, directly from the double (one rounding). */
    public static int encode(double value) { return FORMAT.encode(value); }
}
