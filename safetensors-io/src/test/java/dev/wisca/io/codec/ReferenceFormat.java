package dev.wisca.io.codec;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleToIntFunction;
import java.util.function.IntToDoubleFunction;

/**
 * An independent model of a small float format, written from its definition with exact BigDecimal
 * arithmetic and a sorted table of representable values (no bit tricks, no code shared with
 * {@link FloatFormat}). Rounding picks the nearest table value, ties to the even pattern; a value past
 * the largest finite one is compared against a virtual next value, max + ulp(max).
 */
record ReferenceFormat(String name, int exponentBits, int mantissaBits, int bias, Kind kind,
                       IntToDoubleFunction decoder, DoubleToIntFunction doubleEncoder,
                       FloatEncoder floatEncoder) {

    enum Kind { IEEE, FN, FNUZ, FINITE }

    interface FloatEncoder { int encode(float value); }

    static final ReferenceFormat F16 = new ReferenceFormat("F16", 5, 10, 15, Kind.IEEE,
            Float16::toDouble, Float16::encode, Float16::encode);
    static final ReferenceFormat BF16 = new ReferenceFormat("BF16", 8, 7, 127, Kind.IEEE,
            BFloat16::toDouble, BFloat16::encode, BFloat16::encode);
    static final ReferenceFormat E4M3 = new ReferenceFormat("F8_E4M3", 4, 3, 7, Kind.FN,
            Float8E4M3::toDouble, Float8E4M3::encode, Float8E4M3::encode);
    static final ReferenceFormat E5M2 = new ReferenceFormat("F8_E5M2", 5, 2, 15, Kind.IEEE,
            Float8E5M2::toDouble, Float8E5M2::encode, Float8E5M2::encode);
    static final ReferenceFormat E4M3FNUZ = new ReferenceFormat("F8_E4M3FNUZ", 4, 3, 8, Kind.FNUZ,
            Float8E4M3Fnuz::toDouble, Float8E4M3Fnuz::encode, Float8E4M3Fnuz::encode);
    static final ReferenceFormat E5M2FNUZ = new ReferenceFormat("F8_E5M2FNUZ", 5, 2, 16, Kind.FNUZ,
            Float8E5M2Fnuz::toDouble, Float8E5M2Fnuz::encode, Float8E5M2Fnuz::encode);
    static final ReferenceFormat F4 = new ReferenceFormat("F4", 2, 1, 1, Kind.FINITE,
            Float4E2M1::toDouble, Float4E2M1::encode, Float4E2M1::encode);
    static final ReferenceFormat F6_E2M3 = new ReferenceFormat("F6_E2M3", 2, 3, 1, Kind.FINITE,
            Float6E2M3::toDouble, Float6E2M3::encode, Float6E2M3::encode);
    static final ReferenceFormat F6_E3M2 = new ReferenceFormat("F6_E3M2", 3, 2, 3, Kind.FINITE,
            Float6E3M2::toDouble, Float6E3M2::encode, Float6E3M2::encode);

    static List<ReferenceFormat> all() {
        return List.of(F16, BF16, E4M3, E5M2, E4M3FNUZ, E5M2FNUZ, F4, F6_E2M3, F6_E3M2);
    }

    @Override
    public String toString() { return name; }

    int totalBits() { return 1 + exponentBits + mantissaBits; }

    int patternCount() { return 1 << totalBits(); }

    int signBit() { return 1 << (exponentBits + mantissaBits); }

    boolean isNaN(int bits) {
        int magnitude = bits & (signBit() - 1);
        int exponentField = magnitude >> mantissaBits;
        int mantissa = magnitude % (1 << mantissaBits);
        return switch (kind) {
            case IEEE -> exponentField == (1 << exponentBits) - 1 && mantissa != 0;
            case FN -> magnitude == signBit() - 1;
            case FNUZ -> bits == signBit();
            case FINITE -> false;
        };
    }

    boolean isInfinite(int bits) {
        int magnitude = bits & (signBit() - 1);
        return kind == Kind.IEEE && magnitude == ((1 << exponentBits) - 1) << mantissaBits;
    }

    boolean isNegative(int bits) { return bits >= signBit(); }

    /** The exact value of a finite pattern, sign included (negative zero gives zero). */
    BigDecimal exactValue(int bits) {
        int magnitude = bits % signBit();
        int exponentField = magnitude >> mantissaBits;
        int mantissa = magnitude % (1 << mantissaBits);
        BigDecimal value = exponentField == 0
                ? BigDecimal.valueOf(mantissa).multiply(powerOfTwo(1 - bias - mantissaBits))
                : BigDecimal.valueOf((1L << mantissaBits) + mantissa)
                        .multiply(powerOfTwo(exponentField - bias - mantissaBits));
        return isNegative(bits) ? value.negate() : value;
    }

    static BigDecimal powerOfTwo(int exponent) {
        return exponent >= 0
                ? new BigDecimal(BigInteger.ONE.shiftLeft(exponent))
                : BigDecimal.valueOf(5).pow(-exponent).scaleByPowerOfTen(exponent);
    }

    /** Non-negative finite values ascending, each with its pattern; excludes NaN and Inf patterns. */
    List<Entry> nonNegativeValues() {
        List<Entry> values = new ArrayList<>();
        for (int bits = 0; bits < signBit(); bits++) {
            if (!isNaN(bits) && !isInfinite(bits)) {
                values.add(new Entry(exactValue(bits), bits));
            }
        }
        values.sort((a, b) -> a.value().compareTo(b.value()));
        return values;
    }

    record Entry(BigDecimal value, int bits) {
        boolean even() { return (bits & 1) == 0; }
    }

    Entry largestFinite() {
        List<Entry> values = nonNegativeValues();
        return values.get(values.size() - 1);
    }

    /** max + ulp(max): the value the unbounded-exponent format would have next. */
    BigDecimal virtualNext() {
        Entry max = largestFinite();
        int exponentField = max.bits() >> mantissaBits;
        return max.value().add(powerOfTwo(Math.max(exponentField, 1) - bias - mantissaBits));
    }

    /** The pattern that a value rounding past the largest finite one becomes. */
    int overflowPattern(boolean negative) {
        int sign = negative ? signBit() : 0;
        return switch (kind) {
            case IEEE -> sign | ((1 << exponentBits) - 1) << mantissaBits;
            case FN -> sign | (signBit() - 1);
            case FNUZ -> signBit();
            case FINITE -> sign | largestFinite().bits();
        };
    }

    /** The pattern of a finite magnitude with the given sign, as the format writes it. */
    int signed(boolean negative, int magnitudeBits) {
        if (kind == Kind.FNUZ && magnitudeBits == 0) return 0;
        return negative ? signBit() | magnitudeBits : magnitudeBits;
    }

    /** Exact round-to-nearest-even of a finite or infinite (non-NaN) double. */
    int expectedEncoding(double value, List<Entry> table, BigDecimal virtualNext) {
        boolean negative = Double.doubleToRawLongBits(value) < 0;
        if (Double.isInfinite(value)) return overflowPattern(negative);
        BigDecimal magnitude = new BigDecimal(Math.abs(value));
        if (magnitude.compareTo(virtualNext) >= 0) return overflowPattern(negative);
        int low = 0;
        int high = table.size() - 1;
        if (magnitude.compareTo(table.get(high).value()) >= 0) {
            return chooseNearest(negative, magnitude, table.get(high), null, virtualNext);
        }
        while (high - low > 1) {
            int middle = (low + high) >>> 1;
            if (table.get(middle).value().compareTo(magnitude) <= 0) low = middle; else high = middle;
        }
        return chooseNearest(negative, magnitude, table.get(low), table.get(high), null);
    }

    private int chooseNearest(boolean negative, BigDecimal magnitude, Entry below, Entry above,
                              BigDecimal virtualAbove) {
        BigDecimal aboveValue = above != null ? above.value() : virtualAbove;
        BigDecimal midpoint = below.value().add(aboveValue).divide(BigDecimal.valueOf(2));
        int comparison = magnitude.compareTo(midpoint);
        boolean aboveIsEven = above != null ? above.even() : !below.even();
        boolean pickAbove = comparison > 0 || (comparison == 0 && aboveIsEven);
        if (!pickAbove) return signed(negative, below.bits());
        return above != null ? signed(negative, above.bits()) : overflowPattern(negative);
    }
}
