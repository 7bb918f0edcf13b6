package dev.wisca.io.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every bit pattern of every format (65,536 for F16/BF16) against the exact reference value. */
class DecodeExhaustiveTest {

    static Iterable<ReferenceFormat> formats() { return ReferenceFormat.all(); }

    @ParameterizedTest(name = "{0}")
    @MethodSource("formats")
    void decodesEveryPatternToItsExactValue(ReferenceFormat format) {
        for (int bits = 0; bits < format.patternCount(); bits++) {
            double decoded = format.decoder().applyAsDouble(bits);
            String where = format + " pattern 0x" + Integer.toHexString(bits);
            if (format.isNaN(bits)) {
                assertTrue(Double.isNaN(decoded), where);
            } else if (format.isInfinite(bits)) {
                assertEquals(format.isNegative(bits) ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY, decoded, where);
            } else {
                assertEquals(0, format.exactValue(bits).compareTo(new BigDecimal(decoded)), where + " -> " + decoded);
                assertEquals(format.isNegative(bits), Math.copySign(1.0, decoded) < 0, where + " sign");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("formats")
    void floatAndDoubleDecodingAgree(ReferenceFormat format) {
        for (int bits = 0; bits < format.patternCount(); bits++) {
            float asFloat = format == ReferenceFormat.F16 ? Float16.toFloat(bits)
                    : format == ReferenceFormat.BF16 ? BFloat16.toFloat(bits)
                    : genericFormatOf(format).toFloat(bits);
            double asDouble = format.decoder().applyAsDouble(bits);
            float fromCore = genericFormatOf(format).toFloat(bits);
            assertEquals(Float.floatToRawIntBits(fromCore), Float.floatToRawIntBits(asFloat),
                    format + " fast path vs core 0x" + Integer.toHexString(bits));
            if (format.isNaN(bits)) {
                assertTrue(Float.isNaN(asFloat));
            } else {
                assertEquals(Double.doubleToRawLongBits(asDouble), Double.doubleToRawLongBits(asFloat),
                        format + " 0x" + Integer.toHexString(bits));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("formats")
    void encodingADecodedPatternGivesItBack(ReferenceFormat format) {
        for (int bits = 0; bits < format.patternCount(); bits++) {
            double decoded = format.decoder().applyAsDouble(bits);
            int fromDouble = format.doubleEncoder().applyAsInt(decoded);
            int fromFloat = format.floatEncoder().encode((float) decoded);
            String where = format + " 0x" + Integer.toHexString(bits);
            if (format.isNaN(bits)) {
                assertTrue(format.isNaN(fromDouble), where);
                assertTrue(format.isNaN(fromFloat), where);
            } else {
                assertEquals(bits, fromDouble, where);
                assertEquals(bits, fromFloat, where);
            }
        }
    }

    @Test
    void decodesEveryE8M0PatternAsAPowerOfTwo() {
        for (int bits = 0; bits < 255; bits++) {
            BigDecimal expected = ReferenceFormat.powerOfTwo(bits - 127);
            assertEquals(0, expected.compareTo(new BigDecimal(Float8E8M0.toDouble(bits))), "0x" + Integer.toHexString(bits));
            assertEquals((float) Float8E8M0.toDouble(bits), Float8E8M0.toFloat(bits));
        }
        assertTrue(Float.isNaN(Float8E8M0.toFloat(0xFF)));
        assertEquals(1.0f, Float8E8M0.toFloat(127));
    }

    @Test
    void decodesTheFp4ValueTable() {
        float[] expected = {0f, 0.5f, 1f, 1.5f, 2f, 3f, 4f, 6f};
        for (int bits = 0; bits < 16; bits++) {
            float magnitude = expected[bits & 7];
            float value = bits >= 8 ? -magnitude : magnitude;
            assertEquals(Float.floatToRawIntBits(value), Float.floatToRawIntBits(Float4E2M1.toFloat(bits)), "0x" + Integer.toHexString(bits));
        }
    }

    static FloatFormat genericFormatOf(ReferenceFormat format) {
        return new FloatFormat(format.exponentBits(), format.mantissaBits(), format.bias(),
                FloatFormat.Specials.valueOf(format.kind().name()));
    }
}
