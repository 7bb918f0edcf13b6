package dev.wisca.io.inplace;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

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

    @Test
    void rowAndColumnExponentsAddUpAndTheInverseRestoresTheBits() {
        int batches = 2;
        int rows = 48;
        int cols = 100;                                       // not a multiple of the vector length: tails too
        Random random = new Random(7);
        int[] rowExponents = random.ints(batches * rows, -4, 5).toArray();
        int[] colExponents = random.ints(batches * cols, -4, 5).toArray();
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

    private static boolean isNormal(float x) {
        return Float.isFinite(x) && Math.abs(x) >= Float.MIN_NORMAL;
    }
}
