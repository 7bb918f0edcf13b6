package dev.wisca.io.codec;

/**
 * OCP MX scale format E8M0 (safetensors F8_E8M0): unsigned, exponent only, bias 127; pattern e is
 * 2^(e-127) and 0xFF is NaN. There is no zero. Decode only: rounding to a power of two has no
 * agreed tie rule across libraries, and wisca never writes scales in this format.
 */
public final class Float8E8M0 {
    public static final int NAN_BITS = 0xFF;

    private Float8E8M0() {}

    public static float toFloat(int bits) {
        int exponentField = bits & 0xFF;
        return exponentField == NAN_BITS ? Float.NaN : Math.scalb(1.0f, exponentField - 127);
    }

    public static double toDouble(int bits) { return toFloat(bits); }

    /** 2^127. */
    public static double maxFinite() { return Math.scalb(1.0, 127); }
}
