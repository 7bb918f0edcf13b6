package dev.wisca.io.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Random doubles, concentrated in each format's range and near its rounding boundaries, vs exact rounding. */
class EncodePropertiesTest {

    record Case(ReferenceFormat format, double value) {}

    private record Table(List<ReferenceFormat.Entry> values, BigDecimal virtualNext) {}

    private static final Map<ReferenceFormat, Table> TABLES = new ConcurrentHashMap<>();

    private static int expected(ReferenceFormat format, double value) {
        Table table = TABLES.computeIfAbsent(format, f -> new Table(f.nonNegativeValues(), f.virtualNext()));
        return format.expectedEncoding(value, table.values(), table.virtualNext());
    }

    @Property(tries = 4000)
    void encodingADoubleRoundsExactlyOnce(@ForAll("cases") Case c) {
        assertEquals(expected(c.format(), c.value()), c.format().doubleEncoder().applyAsInt(c.value()),
                () -> c.format() + " " + c.value() + " = " + Double.toHexString(c.value()));
    }

    @Property(tries = 4000)
    void encodingAFloatRoundsExactlyOnce(@ForAll("cases") Case c) {
        float value = (float) c.value();
        assertEquals(expected(c.format(), value), c.format().floatEncoder().encode(value),
                () -> c.format() + " " + value + " = " + Float.toHexString(value));
    }

    /** The rounding core set up as binary32 must agree with the JDK's double-to-float cast everywhere. */
    @Property(tries = 10000)
    void coreAsBinary32MatchesTheJdkCast(@ForAll("anyNonNaNDouble") double value) {
        FloatFormat binary32 = new FloatFormat(8, 23, 127, FloatFormat.Specials.IEEE);
        assertEquals(Float.floatToRawIntBits((float) value), binary32.encode(value), () -> Double.toHexString(value));
    }

    /** The F16/BF16 fast paths (round-to-odd float, then the float rounding) agree with the generic core. */
    @Property(tries = 10000)
    void halfPrecisionFastPathsAgreeWithTheCore(@ForAll("anyNonNaNDouble") double value) {
        assertEquals(Float16.FORMAT.encode(value), Float16.encode(value), () -> "F16 " + Double.toHexString(value));
        assertEquals(BFloat16.FORMAT.encode(value), BFloat16.encode(value), () -> "BF16 " + Double.toHexString(value));
        float asFloat = (float) value;
        assertEquals(Float16.FORMAT.encode(asFloat), Float16.encode(asFloat));
        assertEquals(BFloat16.FORMAT.encode(asFloat), BFloat16.encode(asFloat));
    }

    /** Round-to-odd keeps exact floats and otherwise lands on an odd float whose neighbours enclose the double. */
    @Property(tries = 10000)
    void roundToOddEnclosesTheDouble(@ForAll("anyNonNaNDouble") double value) {
        float odd = RoundToOdd.toFloat(value);
        if ((double) (float) value == value) {
            assertEquals(Float.floatToRawIntBits((float) value), Float.floatToRawIntBits(odd));
            return;
        }
        int bits = Float.floatToRawIntBits(odd);
        assertEquals(1, bits & 1, () -> Double.toHexString(value));
        assertEquals(value < 0, bits < 0);
        double towardZero = Math.abs((double) Float.intBitsToFloat(bits - 1));
        double awayFromZero = Math.abs((double) Float.intBitsToFloat(bits + 1));
        double magnitude = Math.abs(value);
        assertEquals(true, towardZero < magnitude && magnitude < awayFromZero, () -> Double.toHexString(value));
    }

    @Provide
    Arbitrary<Case> cases() {
        return Arbitraries.of(ReferenceFormat.all())
                .flatMap(format -> doublesAround(format).map(value -> new Case(format, value)));
    }

    @Provide
    Arbitrary<Double> anyNonNaNDouble() {
        Arbitrary<Double> rawBits = Arbitraries.longs().map(Double::longBitsToDouble).filter(d -> !Double.isNaN(d));
        Arbitrary<Double> nearFloatRange = Arbitraries.integers().between(-155, 130)
                .flatMap(exponent -> significands(23).map(s -> Math.scalb(s, exponent)));
        return Arbitraries.oneOf(rawBits, nearFloatRange, nearFloatRange.map(d -> -d));
    }

    /** Values from a few binades below the smallest subnormal to a few above the largest finite. */
    private static Arbitrary<Double> doublesAround(ReferenceFormat format) {
        int lowest = 1 - format.bias() - format.mantissaBits() - 3;
        int highest = (1 << format.exponentBits()) - format.bias() + 2;
        Arbitrary<Double> magnitudes = Arbitraries.integers().between(lowest, highest)
                .flatMap(exponent -> significands(format.mantissaBits()).map(s -> Math.scalb(s, exponent)));
        return Arbitraries.oneOf(magnitudes, magnitudes.map(d -> -d));
    }

    /**
     * Significands in [1, 2): uniformly random, or a few double ulps from a point with
     * {@code mantissaBits + 1} fraction bits (the midpoints and the representable values of the format).
     */
    private static Arbitrary<Double> significands(int mantissaBits) {
        Arbitrary<Long> uniform = Arbitraries.longs().between(0, (1L << 52) - 1);
        Arbitrary<Long> nearBoundary = Arbitraries.longs().between(0, (1L << (mantissaBits + 1)) - 1)
                .flatMap(grid -> Arbitraries.longs().between(-3, 3)
                        .map(delta -> Math.floorMod((grid << (52 - mantissaBits - 1)) + delta, 1L << 52)));
        return Arbitraries.frequencyOf(
                        net.jqwik.api.Tuple.of(1, uniform), net.jqwik.api.Tuple.of(2, nearBoundary))
                .map(fraction -> Double.longBitsToDouble((1023L << 52) | fraction));
    }
}
