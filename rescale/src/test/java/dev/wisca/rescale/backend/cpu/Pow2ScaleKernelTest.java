package dev.wisca.rescale.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wisca.io.Dtype;
import dev.wisca.io.codec.FloatFormat;
import dev.wisca.rescale.backend.MatrixView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigDecimal;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The power-of-two exponent-add path against the kernels it stands in for, byte for byte: every bf16
 * and f16 pattern (zeros, subnormals, Inf, NaN, the largest values) times 2^k for k in −30..30, split
 * between row and column factor, against {@link HalfScaleKernel} (RNE of the double product); a
 * sample against an exact BigDecimal rounding; f32 likewise on a sample of patterns.
 */
class Pow2ScaleKernelTest {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int PATTERNS = 1 << 16;

    @ParameterizedTest
    @EnumSource(value = Dtype.class, names = {"BF16", "F16"})
    void everyPatternTimesEveryExponentEqualsTheVectorKernel(Dtype dtype) {
        assertTrue(HalfScaleKernel.SUPPORTED, "the reference vector kernel needs 64-bit vectors");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocate(2L * PATTERNS);
            for (int p = 0; p < PATTERNS; p++) src.setAtIndex(I16, p, (short) p);
            MemorySegment fast = arena.allocate(2L * PATTERNS);
            MemorySegment ref = arena.allocate(2L * PATTERNS);
            for (int k = -30; k <= 30; k++) {
                for (int rowPart : new int[] {k, 0, k / 2}) {
                    double r = Math.scalb(1.0, rowPart);
                    double[] cols = rowPart == k ? null : filled(PATTERNS, Math.scalb(1.0, k - rowPart));
                    fast.fill((byte) 0x5A);
                    assertNotEquals(Pow2ScaleKernel.NOT_POW2, Pow2ScaleKernel.scale(src, 0, fast, 0, PATTERNS, dtype, r,
                        cols == null ? 1.0 : cols[0], Pow2ScaleKernel.uniformExponent(cols)));
                    HalfScaleKernel.scale(src, 0, ref, 0, PATTERNS, dtype, r, cols, 0);
                    assertEquals(PATTERNS, HalfScaleKernel.bodyLength(PATTERNS));
                    long mismatch = fast.mismatch(ref);
                    int kk = k;
                    assertEquals(-1L, mismatch, () -> dtype + " pattern 0x" + Integer.toHexString((int) (mismatch / 2))
                        + " times 2^" + kk + ": 0x" + Integer.toHexString(fast.get(I16, mismatch & ~1L) & 0xFFFF)
                        + " vs the vector kernel's 0x" + Integer.toHexString(ref.get(I16, mismatch & ~1L) & 0xFFFF));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Dtype.class, names = {"BF16", "F16"})
    void aSampleRoundsLikeExactDecimalArithmetic(Dtype dtype) {
        FloatFormat format = HalfScaleTest.format(dtype);
        int infinity = format.maxFiniteMagnitude() + 1;
        BigDecimal[] magnitudes = new BigDecimal[infinity + 1];   // every finite magnitude, then 2^(emax+1) for Inf
        for (int p = 0; p < infinity; p++) magnitudes[p] = new BigDecimal(format.toDouble(p));
        magnitudes[infinity] = new BigDecimal(format.toDouble(format.maxFiniteMagnitude()))
            .add(new BigDecimal(format.toDouble(format.maxFiniteMagnitude()) - format.toDouble(format.maxFiniteMagnitude() - 1)));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocate(2);
            MemorySegment out = arena.allocate(2);
            int checked = 0;
            for (int p = 0; p < PATTERNS; p += 97) {
                if (format.isNaN(p)) continue;
                one.set(I16, 0, (short) p);
                for (int k = -30; k <= 30; k++) {
                    int redone = Pow2ScaleKernel.scale(one, 0, out, 0, 1, dtype, Math.scalb(1.0, k), 1.0, 0);
                    assertNotEquals(Pow2ScaleKernel.NOT_POW2, redone);
                    int expected = nearest(magnitudes, new BigDecimal(format.toDouble(p)).abs()
                        .multiply(k >= 0 ? BigDecimal.TWO.pow(k) : BigDecimal.ONE.divide(BigDecimal.TWO.pow(-k))));
                    int sign = p & (1 << (format.totalBits() - 1));
                    int got = out.get(I16, 0) & 0xFFFF;
                    assertEquals(sign | expected, got, "pattern 0x" + Integer.toHexString(p) + " times 2^" + k);
                    // "No element redone" is what lets the writer skip its range check: the value must then be the
                    // input times 2^k exactly, and finite; a result that overflows is always reported as redone.
                    if (redone == 0) {
                        assertEquals(format.toDouble(p) * Math.scalb(1.0, k), format.toDouble(got),
                            "reported as an exact shift: pattern 0x" + Integer.toHexString(p) + " times 2^" + k);
                        assertTrue(Double.isFinite(format.toDouble(got)), "an exact shift is finite");
                    }
                    if (expected == infinity && format.toDouble(p) != 0) {
                        assertEquals(1, redone, "an overflow to Inf is reported: pattern 0x" + Integer.toHexString(p) + " times 2^" + k);
                    }
                    checked++;
                }
            }
            assertTrue(checked > 30_000, "checked " + checked);
        }
    }

    @Test
    void f32PatternsTimesEveryExponentEqualTheVectorKernel() {
        Random random = new Random(13);
        int n = PATTERNS;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocate(4L * n);
            for (int p = 0; p < n; p++) {
                // every exponent and sign with a random mantissa, and the special classes
                int bits = p < 512 ? (p << 23) | (random.nextInt(4) == 0 ? 0 : random.nextInt(1 << 23)) : random.nextInt();
                src.setAtIndex(I32, p, bits);
            }
            MemorySegment fast = arena.allocate(4L * n);
            MemorySegment ref = arena.allocate(4L * n);
            int body = Lanes.bodyLength(n);
            MatrixView view = new MatrixView(src, Dtype.F32, 1, 1, n);
            for (int k = -30; k <= 30; k++) {
                double r = Math.scalb(1.0, k);
                assertNotEquals(Pow2ScaleKernel.NOT_POW2, Pow2ScaleKernel.scale(src, 0, fast, 0, n, Dtype.F32, r, 1.0, 0));
                VectorKernels.scaleF32(src, 0, ref, 0, n, r, null, 0);
                if (body < n) {
                    ScalarBackend.INSTANCE.scale(view, src.asSlice(4L * body), body, n - body, ref.asSlice(4L * body), new double[] {r}, null, false);
                }
                assertEquals(-1L, fast.mismatch(ref), "f32 times 2^" + k);
            }
        }
    }

    @Test
    void onlyPositivePowersOfTwoTakeThisPath() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocate(64);
            MemorySegment dst = arena.allocate(64);
            assertEquals(Pow2ScaleKernel.NOT_POW2, Pow2ScaleKernel.scale(src, 0, dst, 0, 8, Dtype.BF16, 0.75, 1.0, 0));
            assertEquals(Pow2ScaleKernel.NOT_POW2, Pow2ScaleKernel.scale(src, 0, dst, 0, 8, Dtype.BF16, -2.0, 1.0, 0));
            assertEquals(Pow2ScaleKernel.NOT_POW2, Pow2ScaleKernel.scale(src, 0, dst, 0, 8, Dtype.BF16, Double.MIN_VALUE, 1.0, 0));
            assertEquals(Pow2ScaleKernel.NOT_POW2, Pow2ScaleKernel.scale(src, 0, dst, 0, 8, Dtype.F64, 2.0, 1.0, 0));
            assertEquals(Pow2ScaleKernel.NOT_POW2, Pow2ScaleKernel.scale(src, 0, dst, 0, 8, Dtype.BF16, 2.0, 1.0, Pow2ScaleKernel.NONE));
            assertEquals(0, Pow2ScaleKernel.scale(src, 0, dst, 0, 8, Dtype.BF16, 2.0, 4.0, 2), "zeros shift exactly");
        }
        assertEquals(Pow2ScaleKernel.NONE, Pow2ScaleKernel.uniformExponent(new double[] {1, 1, 1, 2}));
        assertEquals(Pow2ScaleKernel.NONE, Pow2ScaleKernel.uniformExponent(new double[] {3, 3}));
        assertEquals(Pow2ScaleKernel.NONE, Pow2ScaleKernel.uniformExponent(new double[] {-4, -4}));
        assertEquals(-2, Pow2ScaleKernel.uniformExponent(new double[] {0.25, 0.25}));
        assertEquals(0, Pow2ScaleKernel.uniformExponent(null));
    }

    @ParameterizedTest
    @EnumSource(value = Dtype.class, names = {"BF16", "F16", "F32"})
    void theBackendGivesTheScalarBytesForPowerOfTwoPlans(Dtype dtype) {
        Random random = new Random(dtype.ordinal());
        int rows = 37, cols = 129;
        try (Arena arena = Arena.ofConfined()) {
            int size = dtype.byteSize();
            MemorySegment data = arena.allocate((long) size * rows * cols);
            for (long b = 0; b < data.byteSize(); b++) data.set(ValueLayout.JAVA_BYTE, b, (byte) random.nextInt());
            MatrixView m = new MatrixView(data, dtype, 1, rows, cols);
            double[] rf = new double[rows];
            for (int i = 0; i < rows; i++) rf[i] = i % 5 == 4 ? 0.7 : Math.scalb(1.0, random.nextInt(61) - 30);
            double[] uniform = filled(cols, 0.25);
            double[] mixed = uniform.clone();
            mixed[7] = 0.5;
            for (double[] cf : new double[][] {null, uniform, mixed}) {
                MemorySegment fast = arena.allocate(data.byteSize());
                MemorySegment ref = arena.allocate(data.byteSize());
                CpuBackend.INSTANCE.scale(m, 0, (long) rows * cols, fast, rf, cf, false);
                ScalarBackend.INSTANCE.scale(m, 0, (long) rows * cols, ref, rf, cf, false);
                assertEquals(-1L, fast.mismatch(ref));
            }
        }
    }

    private static double[] filled(int n, double value) {
        double[] out = new double[n];
        java.util.Arrays.fill(out, value);
        return out;
    }

    /** The magnitude pattern nearest to {@code x}, ties to the even pattern (Inf past the largest finite's half step). */
    private static int nearest(BigDecimal[] magnitudes, BigDecimal x) {
        int lo = 0, hi = magnitudes.length - 1;
        if (x.compareTo(magnitudes[hi]) >= 0) return hi;
        while (hi - lo > 1) {   // magnitudes[lo] <= x < magnitudes[hi]
            int mid = (lo + hi) >>> 1;
            if (magnitudes[mid].compareTo(x) <= 0) lo = mid; else hi = mid;
        }
        int c = x.subtract(magnitudes[lo]).compareTo(magnitudes[hi].subtract(x));
        return c < 0 ? lo : c > 0 ? hi : (lo % 2 == 0 ? lo : hi);
    }
}
