package dev.wisca.io.codec;

/**
 * A small binary floating-point format (sign, {@code exponentBits}, {@code mantissaBits}, bias) and
 * its exact conversions. Encoding rounds a double once, to nearest with ties to even, as if the
 * exponent range were unbounded; a result beyond the largest finite value then becomes what
 * {@link Specials} says. Bit patterns travel in the low bits of an {@code int}.
 */
public record FloatFormat(int exponentBits, int mantissaBits, int bias, Specials specials) {

    /** How a format spends its special bit patterns, and what overflow produces. */
    public enum Specials {
        /** IEEE 754: all-ones exponent is ±Inf (zero mantissa) or NaN; overflow gives ±Inf. */
        IEEE,
        /**
         * "FN": no infinities; only S.1111…1 is NaN. Overflow and ±Inf give NaN (with the sign),
         * as PyTorch's {@code to(torch.float8_e4m3fn)} does; it does not saturate.
         */
        FN,
        /** "FNUZ": no infinities, no negative zero; the sign-only pattern is the one NaN; overflow gives NaN. */
        FNUZ,
        /**
         * OCP MX element formats: every pattern is finite. Overflow and ±Inf saturate to ±max; NaN has no
         * encoding (the MX spec leaves it implementation-defined) and becomes the sign-only pattern
         * (negative zero), as ml_dtypes does.
         */
        FINITE
    }

    private static final long DOUBLE_FRACTION_MASK = (1L << 52) - 1;
    private static final long DOUBLE_INFINITY_BITS = 0x7FF0_0000_0000_0000L;

    public FloatFormat {
        if (exponentBits < 2 || exponentBits > 8 || mantissaBits < 1 || mantissaBits > 23) {
            throw new IllegalArgumentException("unsupported format E" + exponentBits + "M" + mantissaBits);
        }
    }

    /** Bits of one element, sign included. */
    public int totalBits() { return 1 + exponentBits + mantissaBits; }

    private int signBit() { return 1 << (exponentBits + mantissaBits); }

    private int mantissaMask() { return (1 << mantissaBits) - 1; }

    private int exponentAllOnes() { return (1 << exponentBits) - 1; }

    /** The magnitude pattern of the largest finite value. */
    public int maxFiniteMagnitude() {
        int allOnes = signBit() - 1;
        return switch (specials) {
            case IEEE -> allOnes - (1 << mantissaBits);
            case FN -> allOnes - 1;
            case FNUZ, FINITE -> allOnes;
        };
    }

    /** The largest finite value. */
    public double maxFinite() { return toDouble(maxFiniteMagnitude()); }

    public boolean isNaN(int bits) {
        int pattern = bits & (2 * signBit() - 1);
        int magnitude = pattern & (signBit() - 1);
        return switch (specials) {
            case IEEE -> magnitude >>> mantissaBits == exponentAllOnes() && (magnitude & mantissaMask()) != 0;
            case FN -> magnitude == signBit() - 1;
            case FNUZ -> pattern == signBit();
            case FINITE -> false;
        };
    }

    /** The exact value of a bit pattern; NaN keeps its sign and its payload in the top fraction bits. */
    public double toDouble(int bits) {
        int magnitude = bits & (signBit() - 1);
        boolean negative = (bits & signBit()) != 0;
        if (isNaN(bits)) {
            long payload = (long) (magnitude & mantissaMask()) << (52 - mantissaBits);
            long quietNaN = DOUBLE_INFINITY_BITS | (1L << 51) | payload;
            return Double.longBitsToDouble(negative ? quietNaN | Long.MIN_VALUE : quietNaN);
        }
        int exponentField = magnitude >>> mantissaBits;
        int mantissa = magnitude & mantissaMask();
        double value;
        if (specials == Specials.IEEE && exponentField == exponentAllOnes()) {
            value = Double.POSITIVE_INFINITY;
        } else if (exponentField == 0) {
            value = Math.scalb((double) mantissa, 1 - bias - mantissaBits);
        } else {
            value = Math.scalb((double) (mantissa | (1 << mantissaBits)), exponentField - bias - mantissaBits);
        }
        return negative ? -value : value;
    }

    /** The value as a float: exact for every format here (their ranges lie inside float's). */
    public float toFloat(int bits) {
        if (isNaN(bits)) {
            boolean negative = (bits & signBit()) != 0;
            int payload = (bits & mantissaMask()) << (23 - mantissaBits);
            int quietNaN = 0x7F80_0000 | (1 << 22) | payload;
            return Float.intBitsToFloat(negative ? quietNaN | Integer.MIN_VALUE : quietNaN);
        }
        return (float) toDouble(bits);
    }

    /** Rounds a float once; a NaN keeps its sign and top payload bits where the format has room. */
    public int encode(float value) {
        if (Float.isNaN(value)) {
            int raw = Float.floatToRawIntBits(value);
            return encodeNaN(raw < 0, (raw & 0x007F_FFFF) >>> (23 - mantissaBits));
        }
        return encode((double) value);
    }

    /** Rounds a double once, to nearest with ties to even (never via float). */
    public int encode(double value) {
        long raw = Double.doubleToRawLongBits(value);
        boolean negative = raw < 0;
        long magnitude = raw & Long.MAX_VALUE;
        if (magnitude > DOUBLE_INFINITY_BITS) {
            return encodeNaN(negative, (int) ((magnitude & DOUBLE_FRACTION_MASK) >>> (52 - mantissaBits)));
        }
        if (magnitude == DOUBLE_INFINITY_BITS) {
            return overflow(negative);
        }
        int doubleExponent = (int) (magnitude >>> 52);
        long significand = magnitude & DOUBLE_FRACTION_MASK;
        int exponent = -1022;
        if (doubleExponent != 0) {
            significand |= 1L << 52;
            exponent = doubleExponent - 1023;
        }
        // value = significand * 2^(exponent - 52); keep mantissaBits below the leading bit, or fewer
        // when the result is subnormal in this format.
        int minNormalExponent = 1 - bias;
        int shift = 52 - mantissaBits + Math.max(0, minNormalExponent - exponent);
        long rounded = shift > 62 ? 0 : roundShiftRight(significand, shift);
        // Normal: the kept implicit bit adds one to the exponent field; a rounding carry moves on naturally.
        long encodedMagnitude = exponent >= minNormalExponent
                ? ((long) (exponent + bias - 1) << mantissaBits) + rounded
                : rounded;
        if (encodedMagnitude > maxFiniteMagnitude()) {
            return overflow(negative);
        }
        if (encodedMagnitude == 0 && specials == Specials.FNUZ) {
            return 0;
        }
        return (negative ? signBit() : 0) | (int) encodedMagnitude;
    }

    private static long roundShiftRight(long significand, int shift) {
        long kept = significand >>> shift;
        long rest = significand & ((1L << shift) - 1);
        long half = 1L << (shift - 1);
        boolean up = rest > half || (rest == half && (kept & 1) != 0);
        return up ? kept + 1 : kept;
    }

    private int overflow(boolean negative) {
        int sign = negative ? signBit() : 0;
        return switch (specials) {
            case IEEE -> sign | exponentAllOnes() << mantissaBits;
            case FN -> sign | (signBit() - 1);
            case FNUZ -> signBit();
            case FINITE -> sign | maxFiniteMagnitude();
        };
    }

    private int encodeNaN(boolean negative, int topPayloadBits) {
        int sign = negative ? signBit() : 0;
        return switch (specials) {
            case IEEE -> sign | exponentAllOnes() << mantissaBits | 1 << (mantissaBits - 1) | topPayloadBits;
            case FN -> sign | (signBit() - 1);
            case FNUZ, FINITE -> signBit();
        };
    }
}
