package dev.wisca.io.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * For every pair of adjacent representable values (and the pair max / virtual next value): the exact
 * midpoint rounds to the even pattern, and the neighbours of the midpoint round to the nearer value,
 * from float and from double. The double neighbours are not floats: a conversion through float would
 * land back on the midpoint and round to even, which is the double rounding these checks catch.
 */
class MidpointRoundingTest {

    static Iterable<ReferenceFormat> formats() { return ReferenceFormat.all(); }

    @ParameterizedTest(name = "{0}")
    @MethodSource("formats")
    void midpointsRoundToEvenAndNeighboursToTheNearerValue(ReferenceFormat format) {
        List<ReferenceFormat.Entry> values = format.nonNegativeValues();
        for (int i = 0; i < values.size(); i++) {
            ReferenceFormat.Entry below = values.get(i);
            boolean last = i == values.size() - 1;
            BigDecimal aboveValue = last ? format.virtualNext() : values.get(i + 1).value();
            boolean aboveIsEven = last ? !below.even() : values.get(i + 1).even();
            for (boolean negative : new boolean[] {false, true}) {
                int lower = format.signed(negative, below.bits());
                int upper = last ? format.overflowPattern(negative) : format.signed(negative, values.get(i + 1).bits());
                checkPair(format, negative, below.value(), aboveValue, lower, upper, aboveIsEven ? upper : lower);
            }
        }
    }

    private static void checkPair(ReferenceFormat format, boolean negative, BigDecimal low, BigDecimal high,
                                  int lower, int upper, int even) {
        double midpoint = low.add(high).divide(BigDecimal.valueOf(2)).doubleValue();
        double signedMidpoint = negative ? -midpoint : midpoint;
        String where = format + " midpoint " + signedMidpoint;
        assertEquals(0, new BigDecimal(midpoint).compareTo(low.add(high).divide(BigDecimal.valueOf(2))), where + " exact");
        assertEquals(midpoint, (double) (float) midpoint, where + " is a float");

        assertEquals(even, format.doubleEncoder().applyAsInt(signedMidpoint), where + " from double");
        assertEquals(even, format.floatEncoder().encode((float) signedMidpoint), where + " from float");

        double justAbove = Math.nextUp(midpoint);
        double justBelow = Math.nextDown(midpoint);
        assertEquals(upper, format.doubleEncoder().applyAsInt(negative ? -justAbove : justAbove), where + " + 1 double ulp");
        assertEquals(lower, format.doubleEncoder().applyAsInt(negative ? -justBelow : justBelow), where + " - 1 double ulp");

        float floatAbove = Math.nextUp((float) midpoint);
        float floatBelow = Math.nextDown((float) midpoint);
        assertEquals(upper, format.floatEncoder().encode(negative ? -floatAbove : floatAbove), where + " + 1 float ulp");
        if (floatBelow > low.doubleValue() || midpoint == 0) {
            assertEquals(lower, format.floatEncoder().encode(negative ? -floatBelow : floatBelow), where + " - 1 float ulp");
        }
    }
}
