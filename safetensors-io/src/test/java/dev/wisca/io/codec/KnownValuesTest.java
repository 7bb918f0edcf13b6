package dev.wisca.io.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Published anchor values of each format, written out by hand. */
class KnownValuesTest {

    @Test
    void float16Anchors() {
        assertEquals(1.0f, Float16.toFloat(0x3C00));
        assertEquals(-2.0f, Float16.toFloat(0xC000));
        assertEquals(65504f, Float16.toFloat(0x7BFF));
        assertEquals(0x1p-14f, Float16.toFloat(0x0400));
        assertEquals(0x1p-24f, Float16.toFloat(0x0001));
        assertEquals(Float.POSITIVE_INFINITY, Float16.toFloat(0x7C00));
        assertEquals(Float.NEGATIVE_INFINITY, Float16.toFloat(0xFC00));
        assertEquals(0x3C00, Float16.encode(1.0));
        assertEquals(0x3555, Float16.encode(1.0 / 3.0));
        assertEquals(0x4248, Float16.encode(Math.PI));
    }

    @Test
    void bfloat16Anchors() {
        assertEquals(1.0f, BFloat16.toFloat(0x3F80));
        assertEquals(0x1.FEp127f, BFloat16.toFloat(0x7F7F));
        assertEquals(0x1p-133f, BFloat16.toFloat(0x0001));
        assertEquals(0x3F80, BFloat16.encode(1.0f));
        assertEquals(0x4049, BFloat16.encode(Math.PI));
        assertEquals(0x3EAB, BFloat16.encode(1.0 / 3.0));
    }

    @Test
    void fp8Anchors() {
        assertEquals(448f, Float8E4M3.toFloat(0x7E));
        assertEquals(-448f, Float8E4M3.toFloat(0xFE));
        assertTrue(Float.isNaN(Float8E4M3.toFloat(0x7F)));
        assertTrue(Float.isNaN(Float8E4M3.toFloat(0xFF)));
        assertEquals(256f, Float8E4M3.toFloat(0x78));
        assertEquals(1f, Float8E4M3.toFloat(0x38));
        assertEquals(0x1p-9f, Float8E4M3.toFloat(0x01));
        assertEquals(0x1p-6f, Float8E4M3.toFloat(0x08));

        assertEquals(57344f, Float8E5M2.toFloat(0x7B));
        assertEquals(Float.POSITIVE_INFINITY, Float8E5M2.toFloat(0x7C));
        assertTrue(Float.isNaN(Float8E5M2.toFloat(0x7D)));
        assertEquals(1f, Float8E5M2.toFloat(0x3C));
        assertEquals(0x1p-16f, Float8E5M2.toFloat(0x01));

        assertEquals(240f, Float8E4M3Fnuz.toFloat(0x7F));
        assertEquals(1f, Float8E4M3Fnuz.toFloat(0x40));
        assertEquals(0x1p-10f, Float8E4M3Fnuz.toFloat(0x01));
        assertTrue(Float.isNaN(Float8E4M3Fnuz.toFloat(0x80)));
        assertEquals(-240f, Float8E4M3Fnuz.toFloat(0xFF));

        assertEquals(57344f, Float8E5M2Fnuz.toFloat(0x7F));
        assertEquals(1f, Float8E5M2Fnuz.toFloat(0x40));
        assertEquals(0x1p-17f, Float8E5M2Fnuz.toFloat(0x01));
        assertTrue(Float.isNaN(Float8E5M2Fnuz.toFloat(0x80)));
    }

    @Test
    void mxSubByteAnchors() {
        assertEquals(6f, Float4E2M1.toFloat(0x7));
        assertEquals(-0.5f, Float4E2M1.toFloat(0x9));
        assertEquals(7.5f, Float6E2M3.toFloat(0x1F));
        assertEquals(0.125f, Float6E2M3.toFloat(0x01));
        assertEquals(1f, Float6E2M3.toFloat(0x08));
        assertEquals(28f, Float6E3M2.toFloat(0x1F));
        assertEquals(0.0625f, Float6E3M2.toFloat(0x01));
        assertEquals(1f, Float6E3M2.toFloat(0x0C));
        assertEquals(-28f, Float6E3M2.toFloat(0x3F));
    }

    @Test
    void genericCoreDecodesEveryFloat16PatternLikeTheJdk() {
        for (int bits = 0; bits < 0x10000; bits++) {
            float jdk = Float.float16ToFloat((short) bits);
            float ours = Float16.FORMAT.toFloat(bits);
            if (Float.isNaN(jdk)) {
                assertTrue(Float.isNaN(ours));
            } else {
                assertEquals(Float.floatToRawIntBits(jdk), Float.floatToRawIntBits(ours), "0x" + Integer.toHexString(bits));
            }
        }
    }

    @Test
    void genericCoreEncodesFloatsToFloat16LikeTheJdk() {
        // Stride 251 visits ~17 million floats of every exponent, sign and low-bit pattern.
        for (long raw = 0; raw <= 0xFFFF_FFFFL; raw += 251) {
            float value = Float.intBitsToFloat((int) raw);
            if (Float.isNaN(value)) continue;
            assertEquals(Float.floatToFloat16(value) & 0xFFFF, Float16.FORMAT.encode(value), () -> "float " + value);
        }
    }
}
