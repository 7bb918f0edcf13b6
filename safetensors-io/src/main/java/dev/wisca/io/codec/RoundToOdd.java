package dev.wisca.io.codec;

/**
 * Double to float with round-to-odd: truncate, then set the last bit if anything was lost. Rounding
 * that float to nearest-even at 2 or more bits less precision (F16, BF16) gives exactly the correctly
 * rounded result of the double, with no double-rounding error. Not for NaN.
 */
final class RoundToOdd {
    private RoundToOdd() {}

    static float toFloat(double value) {
        float nearest = (float) value;
        if ((double) nearest == value) {
            return nearest;
        }
        int bits = Float.floatToRawIntBits(nearest);
        if (Math.abs((double) nearest) > Math.abs(value)) {
            bits -= 1; // one step toward zero (from Inf this is MAX_VALUE)
        }
        return Float.intBitsToFloat(bits | 1);
    }
}
