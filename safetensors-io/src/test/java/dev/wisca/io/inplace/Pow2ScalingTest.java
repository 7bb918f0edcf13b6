package dev.wisca.io.inplace;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The exponent shift against float arithmetic (bf16 is the top half of an f32, so {@code x * 2^e} in
 * float, exact for these values, is the reference), every bf16 bit pattern checked for exactness, and
 * the inverse restoring the original bits.
 */
class Pow2ScalingTest {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Test
    void shiftsEveryBf16PatternExactlyOrSaysItCannot() {
        int rows = 256;
        int cols = 256;                                       // 65,536 elements: every bf16 bit pattern once
        int[] rowExponents = new int[rows];
        int[] colExponents = new int[cols];
        for (int e : new int[] {-3, 1, 5}) {
            java.util.Arrays.fill(rowExponents, e);
            Pow2Scaling scaling = new Pow2Scaling(7, rows, cols, rowExponents, colExponents);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment all = arena.allocate(2L * rows * cols);
                MemorySegment out = arena.allocate(all.byteSize());
                int exactOnes = 0;
                for (int bits = 0; bits < 65536; bits++) {
                    all.set(U16, 2L * bits, (short) bits);
                    MemorySegment one = all.asSlice(2L * bits, 2);
                    boolean exact = scaling.scale(one, bits, out.asSlice(2L * bits, 2), false);
                    float x = Float.intBitsToFloat(bits << 16);
                    float y = x * (float) Math.scalb(1.0, e);
                    boolean expected = x == 0 || (isNormal(x) && isNormal(y));
                    assertEquals(expected, exact, "0x" + Integer.toHexString(bits) + " by 2^" + e);
                    if (exact) {
                        assertEquals(Float.floatToRawIntBits(y) >>> 16, out.get(U16, 2L * bits) & 0xFFFF, "0x" + Integer.toHexString(bits));
                        exactOnes++;
                    }
                }
                assertTrue(exactOnes > 60000, exactOnes + " exact patterns");
            }
        }
    }

    /** Columns with their own exponents (element tables) or one per batch (the packed path). */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void rowAndColumnExponentsAddUpAndTheInverseRestoresTheBits(boolean sharedColumns) {
        int batches = 2;
        int rows = 48;
        int cols = 101;                                       // not a multiple of the vector length: tails too
        Random random = new Random(7);
        int[] rowExponents = random.ints(batches * rows, -4, 5).toArray();
        int[] colExponents = random.ints(batches * cols, -4, 5).toArray();
        if (sharedColumns) {
            java.util.Arrays.fill(colExponents, 0, cols, -2);
            java.util.Arrays.fill(colExponents, cols, 2 * cols, 3);
        }
        Pow2Scaling scaling = new Pow2Scaling(7, rows, cols, rowExponents, colExponents);
        try (Arena arena = Arena.ofConfined()) {
            long n = (long) batches * rows * cols;
            MemorySegment original = arena.allocate(2 * n);
            for (long i = 0; i < n; i++) original.set(U16, 2 * i, (short) (Float.floatToIntBits((float) random.nextGaussian()) >>> 16));
            MemorySegment scaled = arena.allocate(2 * n);
            long split = 1234;                                // two calls, the second starting mid-row
            assertTrue(scaling.scale(original.asSlice(0, 2 * split), 0, scaled.asSlice(0, 2 * split), false));
            assertTrue(scaling.scale(original.asSlice(2 * split), split, scaled.asSlice(2 * split), false));
            for (long i = 0; i < n; i++) {
                long row = i / cols;
                long col = row / rows * cols + i % cols;
                float x = Float.intBitsToFloat(original.get(U16, 2 * i) << 16);
                float y = x * (float) Math.scalb(1.0, rowExponents[(int) row] + colExponents[(int) col]);
                assertEquals(Float.floatToRawIntBits(y) >>> 16, scaled.get(U16, 2 * i) & 0xFFFF, "element " + i);
            }
            MemorySegment back = arena.allocate(2 * n);
            assertTrue(scaling.scale(scaled, 0, back, true));
            assertEquals(-1, original.mismatch(back), "the inverse gives the original bits");
        }
    }

    @Test
    void aSubnormalOrAnOverflowIsNotExact() {
        Pow2Scaling up = new Pow2Scaling(7, 1, 1, new int[] {3}, new int[] {0});
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocate(2);
            one.set(U16, 0, (short) 0x0001);                  // subnormal
            assertFalse(up.scale(one, 0, arena.allocate(2), false));
            one.set(U16, 0, (short) 0x7F00);                  // 2^127 * 1.0: times 8 overflows
            assertFalse(up.scale(one, 0, arena.allocate(2), false));
            one.set(U16, 0, (short) 0x8000);                  // -0 stays -0
            MemorySegment out = arena.allocate(2);
            assertTrue(up.scale(one, 0, out, false));
            assertEquals((short) 0x8000, out.get(U16, 0));
        }
    }

    /**
     * Whole calls (four elements per step where a row has one exponent, the tail alone), bf16 and f16,
     * every bit pattern: the call is exact only when every element is, and each exact element is the
     * float product; calls of 1..9 elements at odd offsets cover the tails.
     */
    @ParameterizedTest
    @ValueSource(ints = {7, 10})
    void aWholeCallShiftsEachPatternAsFloatArithmeticDoes(int mantissaBits) {
        int rows = 256;
        int cols = 256;
        for (int e : new int[] {-300, -40, -20, -3, -1, 1, 5, 20, 40}) {   // |k| >= 31: no f16, |k| >= 254: no bf16 element but 0 exact
            int[] rowExponents = new int[rows];
            java.util.Arrays.fill(rowExponents, e - 1);
            int[] colExponents = new int[cols];
            java.util.Arrays.fill(colExponents, 1);          // shared by every column: the packed path
            Pow2Scaling scaling = new Pow2Scaling(mantissaBits, rows, cols, rowExponents, colExponents);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment all = arena.allocate(2L * rows * cols);
                for (int bits = 0; bits < 65536; bits++) all.set(U16, 2L * bits, (short) bits);
                MemorySegment out = arena.allocate(all.byteSize());
                boolean[] exact = new boolean[65536];
                int[] expected = new int[65536];
                for (int bits = 0; bits < 65536; bits++) {
                    float x = toFloat(mantissaBits, bits);
                    float y = x * (float) Math.scalb(1.0, e);
                    exact[bits] = x == 0 || (isNormal(mantissaBits, x) && isNormal(mantissaBits, y));
                    expected[bits] = fromFloat(mantissaBits, y);
                }
                assertFalse(scaling.scale(all, 0, out, false), "Inf/NaN patterns are not exact");
                for (int bits = 0; bits < 65536; bits++) {
                    if (exact[bits]) assertEquals(expected[bits], out.get(U16, 2L * bits) & 0xFFFF, "0x" + Integer.toHexString(bits) + " by 2^" + e);
                }
                for (int from = 0; from < 65536 - 9; from += 997) {
                    for (int n = 1; n <= 9; n++) {
                        boolean allExact = true;
                        for (int b = from; b < from + n; b++) allExact &= exact[b];
                        MemorySegment piece = arena.allocate(2L * n);
                        boolean said = scaling.scale(all.asSlice(2L * from, 2L * n), from, piece, false);
                        assertEquals(allExact, said, n + " elements from 0x" + Integer.toHexString(from) + " by 2^" + e);
                        for (int b = from; b < from + n; b++) {
                            if (exact[b]) assertEquals(expected[b], piece.get(U16, 2L * (b - from)) & 0xFFFF, "0x" + Integer.toHexString(b));
                        }
                    }
                }
            }
        }
    }

    private static float toFloat(int mantissaBits, int bits) {
        return mantissaBits == 7 ? Float.intBitsToFloat(bits << 16) : Float.float16ToFloat((short) bits);
    }

    private static int fromFloat(int mantissaBits, float y) {
        return mantissaBits == 7 ? Float.floatToRawIntBits(y) >>> 16 : Float.floatToFloat16(y) & 0xFFFF;
    }

    private static boolean isNormal(int mantissaBits, float x) {
        if (mantissaBits == 7) return isNormal(x);
        return Float.isFinite(x) && Math.abs(x) >= 0x1p-14f && Math.abs(x) <= 65504f;
    }

    private static boolean isNormal(float x) {
        return Float.isFinite(x) && Math.abs(x) >= Float.MIN_NORMAL;
    }
}
