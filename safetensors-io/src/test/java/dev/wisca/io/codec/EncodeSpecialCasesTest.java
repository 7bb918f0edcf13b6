package dev.wisca.io.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Overflow, underflow, signed zero, infinities and NaN payloads, format by format. */
class EncodeSpecialCasesTest {

    @Test
    void float16OverflowsToInfinityAtMaxPlusHalfAnUlp() {
        assertEquals(0x7BFF, Float16.encode(65519.99));
        assertEquals(0x7C00, Float16.encode(65520.0));
        assertEquals(0xFC00, Float16.encode(-1e300));
        assertEquals(0x7C00, Float16.encode(Double.POSITIVE_INFINITY));
        assertEquals(0x7C00, Float16.encode(Float.MAX_VALUE));
    }

    @Test
    void float16UnderflowsThroughSubnormalsToSignedZero() {
        assertEquals(0x0000, Float16.encode(0x1p-25));
        assertEquals(0x0001, Float16.encode(Math.nextUp(0x1p-25)));
        assertEquals(0x8000, Float16.encode(-0x1p-26));
        assertEquals(0x8000, Float16.encode(-0.0));
        assertEquals(0x0000, Float16.encode(Double.MIN_VALUE));
        assertEquals(0x8000, Float16.encode(-Double.MIN_VALUE));
        assertEquals(0x0002, Float16.encode(0x1.8p-24));
        assertEquals(0x0400, Float16.encode(0x1p-14 - 0x1p-26));
    }

    @Test
    void bfloat16OverflowsToInfinityAndKeepsTinyDoublesApart() {
        assertEquals(0x7F80, BFloat16.encode(Double.MAX_VALUE));
        assertEquals(0x7F80, BFloat16.encode(0x1.FFp127));
        assertEquals(0x7F7F, BFloat16.encode(Math.nextDown(0x1.FFp127)));
        assertEquals(0x7F80, BFloat16.encode(Float.MAX_VALUE));
        assertEquals(0x0000, BFloat16.encode(0x1p-134));
        assertEquals(0x0001, BFloat16.encode(Math.nextUp(0x1p-134)));
        assertEquals(0x8000, BFloat16.encode(-1e-300));
    }

    @Test
    void e4m3IsNonSaturatingLikePyTorch() {
        assertEquals(0x7E, Float8E4M3.encode(448.0));
        assertEquals(0x7E, Float8E4M3.encode(464.0));
        assertEquals(0x7F, Float8E4M3.encode(Math.nextUp(464.0)));
        assertEquals(0xFF, Float8E4M3.encode(-500.0));
        assertEquals(0x7F, Float8E4M3.encode(Double.POSITIVE_INFINITY));
        assertEquals(0xFF, Float8E4M3.encode(Double.NEGATIVE_INFINITY));
        assertEquals(0x7F, Float8E4M3.encode(Double.NaN));
        assertEquals(0x80, Float8E4M3.encode(-0.0));
        assertEquals(0x00, Float8E4M3.encode(0x1p-10));
        assertEquals(0x01, Float8E4M3.encode(Math.nextUp(0x1p-10)));
    }

    @Test
    void e5m2OverflowsToInfinity() {
        assertEquals(0x7B, Float8E5M2.encode(57344.0));
        assertEquals(0x7B, Float8E5M2.encode(Math.nextDown(61440.0)));
        assertEquals(0x7C, Float8E5M2.encode(61440.0));
        assertEquals(0xFC, Float8E5M2.encode(Double.NEGATIVE_INFINITY));
        assertEquals(0x00, Float8E5M2.encode(0x1p-17));
        assertEquals(0x80, Float8E5M2.encode(-0x1p-18));
    }

    @Test
    void fnuzFormatsHaveOneNaNAndNoNegativeZero() {
        assertEquals(0x00, Float8E4M3Fnuz.encode(-0.0));
        assertEquals(0x00, Float8E4M3Fnuz.encode(-1e-30));
        assertEquals(0x7F, Float8E4M3Fnuz.encode(Math.nextDown(248.0)));
        assertEquals(0x80, Float8E4M3Fnuz.encode(248.0));
        assertEquals(0x80, Float8E4M3Fnuz.encode(-1e10));
        assertEquals(0x80, Float8E4M3Fnuz.encode(Double.NaN));
        assertEquals(0x80, Float8E4M3Fnuz.encode(Double.NEGATIVE_INFINITY));
        assertEquals(0x81, Float8E4M3Fnuz.encode(-0x1p-10));
        assertEquals(0x00, Float8E5M2Fnuz.encode(-0.0f));
        assertEquals(0x80, Float8E5M2Fnuz.encode(Float.NaN));
        assertEquals(0x7F, Float8E5M2Fnuz.encode(57344.0));
        assertEquals(0x80, Float8E5M2Fnuz.encode(61440.0));
    }

    @Test
    void mxFormatsSaturate() {
        assertEquals(0x7, Float4E2M1.encode(100.0));
        assertEquals(0xF, Float4E2M1.encode(Double.NEGATIVE_INFINITY));
        assertEquals(0x6, Float4E2M1.encode(5.0));
        assertEquals(0x7, Float4E2M1.encode(Math.nextUp(5.0)));
        assertEquals(0x8, Float4E2M1.encode(Double.NaN));
        assertEquals(0x1F, Float6E2M3.encode(1e9f));
        assertEquals(0x3F, Float6E3M2.encode(-29.0));
        assertEquals(0x20, Float6E3M2.encode(-0.0));
    }

    @Test
    void nanStaysNaNQuietWithSignAndTopPayload() {
        float signalingWithLowPayload = Float.intBitsToFloat(0x7F80_0001);
        assertEquals(0x7E00, Float16.encode(signalingWithLowPayload));
        assertEquals(0xFE01, Float16.encode(Float.intBitsToFloat(0xFFC0_2000)));
        assertEquals(0x7D55 | 0x0200, Float16.encode(Double.longBitsToDouble(0x7FF5_5400_0000_0000L)));
        assertEquals(0x7FC0, BFloat16.encode(Float.NaN));
        assertEquals(0xFFC1, BFloat16.encode(Float.intBitsToFloat(0xFF81_0000)));
        assertEquals(0x7FC0, BFloat16.encode(signalingWithLowPayload));
        assertEquals(0xFE, Float8E5M2.encode(Double.longBitsToDouble(0xFFF8_0000_0000_0000L)));
        assertEquals(0x7F, Float8E5M2.encode(Double.longBitsToDouble(0x7FF6_0000_0000_0000L)));
        assertEquals(0xFF, Float8E4M3.encode(Float.intBitsToFloat(0xFFC0_0000)));
    }

    @Test
    void decodedNaNIsQuietAndKeepsItsPayload() {
        assertEquals(0x7FC0_2000, Float.floatToRawIntBits(Float16.toFloat(0x7C01)));
        assertEquals(0xFFC0_2000 | (0x155 << 13), Float.floatToRawIntBits(Float16.toFloat(0xFD55)));
        assertEquals(0x7FC1_0000, Float.floatToRawIntBits(BFloat16.toFloat(0x7F81)));
        assertTrue(Double.isNaN(Float16.toDouble(0x7E00)));
        assertEquals(0x7FF8_0000_0000_0000L | (1L << 50),
                Double.doubleToRawLongBits(Float8E5M2.toDouble(0x7D)));
    }
}
