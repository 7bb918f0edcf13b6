package dev.wisca.rescale.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wisca.io.Dtype;
import dev.wisca.io.codec.BFloat16;
import dev.wisca.io.codec.FloatFormat;
import dev.wisca.io.codec.Float16;
import dev.wisca.rescale.backend.MatrixView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The bf16/f16 vector scaling path against the scalar reference, byte for byte, on bit patterns
 * chosen to hit every rounding hazard: all 2^16 patterns (NaN, Inf, subnormals, the largest values),
 * factors that overflow and underflow, and products that land just beside a rounding midpoint, where
 * rounding via the nearest float would tie the wrong way.
 */
class HalfScaleTest {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    @ParameterizedTest
    @CsvSource({"BF16, 1, 256, 256", "F16, 1, 256, 256", "BF16, 3, 41, 77", "F16, 2, 5, 129", "BF16, 1, 7, 3"})
    void everyBitPatternScalesLikeTheScalarReference(Dtype dtype, int batches, int rows, int cols) {
        Random random = new Random(dtype.ordinal() * 7919L + rows * 31L + cols);
        int patternOffset = random.nextInt(1 << 16);
        try (Arena arena = Arena.ofConfined()) {
            long n = (long) batches * rows * cols;
            MemorySegment data = arena.allocate(2 * n);
            for (long e = 0; e < n; e++) data.setAtIndex(I16, e, (short) (e * 40503L + patternOffset));
            MatrixView m = new MatrixView(data, dtype, batches, rows, cols);
            for (String kind : new String[] {"near one", "wide", "powers of two", "extreme"}) {
                double[] rf = factors(random, batches * rows, kind);
                double[] cf = factors(random, batches * cols, kind);
                assertSameBytes(arena, m, 0, n, rf, cf);
                assertSameBytes(arena, m, 0, n, rf, null);
                assertSameBytes(arena, m, 0, n, null, cf);
                assertSameBytes(arena, m, 3, n - 8, rf, cf);
                assertSameBytes(arena, m, 1, Math.min(n - 1, cols + 5), rf, cf);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"BF16, 64, 96", "F16, 64, 96", "BF16, 9, 37", "F16, 9, 37"})
    void productsBesideAMidpointRoundAwayFromIt(Dtype dtype, int rows, int cols) {
        Random random = new Random(rows * 131L + cols + dtype.ordinal());
        FloatFormat format = format(dtype);
        int droppedBits = 23 - format.mantissaBits();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(2L * rows * cols);
            double[] cf = new double[cols];
            double[] rf = new double[rows];
            for (int i = 0; i < rows; i++) rf[i] = Math.scalb(1.0, random.nextInt(5) - 2);
            for (int j = 0; j < cols; j++) {
                // a midpoint of the format: a float with exactly the first dropped bit set
                int midpointBits = ((dtype == Dtype.F16 ? 0x3C00_0000 : 0x3E00_0000) + (random.nextInt(1 << 10) << (droppedBits + 1)))
                    | (1 << (droppedBits - 1));
                double midpoint = Float.intBitsToFloat(midpointBits) * (random.nextBoolean() ? 1 : -1);
                double w0 = format.toDouble(format.encode(0.75 + random.nextDouble()));
                double nudge = Math.scalb(random.nextBoolean() ? 1.0 : -1.0, -30 - random.nextInt(12));
                cf[j] = midpoint / w0 * (1 + nudge);
                for (int i = 0; i < rows; i++) {
                    double w = w0 * Math.scalb(1.0, random.nextInt(3)) / rf[i];
                    data.setAtIndex(I16, (long) i * cols + j, (short) format.encode(w));
                }
            }
            MatrixView m = new MatrixView(data, dtype, 1, rows, cols);
            assertSameBytes(arena, m, 0, (long) rows * cols, rf, cf);
            assertTrue(viaNearestFloatDiffers(m, rf, cf) > rows * cols / 4,
                "the crafted products must mostly sit where rounding via the nearest float goes wrong");
        }
    }

    /** Elements whose double-rounded result (double → nearest float → format) differs from the exact rounding. */
    private static int viaNearestFloatDiffers(MatrixView m, double[] rf, double[] cf) {
        FloatFormat format = format(m.dtype());
        int differing = 0;
        for (long e = 0; e < m.elementCount(); e++) {
            int i = (int) (e / m.cols()), j = (int) (e % m.cols());
            double v = rf[i] * format.toDouble(m.data().getAtIndex(I16, e)) * cf[j];
            if (format.encode((float) v) != format.encode(v)) differing++;
        }
        return differing;
    }

    static FloatFormat format(Dtype dtype) {
        return dtype == Dtype.F16 ? Float16.FORMAT : BFloat16.FORMAT;
    }

    static double[] factors(Random random, int n, String kind) {
        double[] out = new double[n];
        for (int k = 0; k < n; k++) {
            double sign = random.nextInt(8) == 0 ? -1 : 1;
            out[k] = sign * switch (kind) {
                case "near one" -> 0.5 + random.nextDouble();
                case "wide" -> Math.exp(random.nextGaussian() * 8);
                case "powers of two" -> Math.scalb(1.0, random.nextInt(21) - 10);
                default -> switch (random.nextInt(6)) {
                    case 0 -> 0.0;
                    case 1 -> 1e30 * random.nextDouble();
                    case 2 -> 1e-30 * random.nextDouble();
                    case 3 -> Double.POSITIVE_INFINITY;
                    case 4 -> Double.MIN_VALUE * random.nextInt(1 << 20);
                    default -> random.nextDouble() * 1e5;
                };
            };
        }
        return out;
    }

    /**
     * The vector path equals the scalar reference byte for byte; every non-NaN result also equals the
     * generic one-rounding core applied to the f64 product.
     */
    static void assertSameBytes(Arena arena, MatrixView m, long first, long count, double[] rf, double[] cf) {
        MemorySegment fast = arena.allocate(2 * count);
        MemorySegment ref = arena.allocate(2 * count);
        CpuBackend.INSTANCE.scale(m, first, count, fast, rf, cf, false);
        ScalarBackend.INSTANCE.scale(m, first, count, ref, rf, cf, false);
        long mismatch = fast.mismatch(ref);
        assertEquals(-1L, mismatch, () -> describe(m, first, mismatch / 2, fast, ref, rf, cf));
        FloatFormat format = format(m.dtype());
        for (long e = first; e < first + count; e++) {
            long g = e / m.cols(), j = e % m.cols();
            double r = rf == null ? 1 : rf[(int) g];
            double c = cf == null ? 1 : cf[(int) ((g / m.rows()) * m.cols() + j)];
            double v = r * format.toDouble(m.data().getAtIndex(I16, e)) * c;
            if (!Double.isNaN(v)) assertEquals(format.encode(v), fast.getAtIndex(I16, e - first) & 0xFFFF);
        }
    }

    private static String describe(MatrixView m, long first, long k, MemorySegment fast, MemorySegment ref,
                                   double[] rf, double[] cf) {
        long e = first + k;
        long g = e / m.cols(), j = e % m.cols();
        return m.dtype() + " element " + e + ": input 0x" + Integer.toHexString(m.data().getAtIndex(I16, e) & 0xFFFF)
            + ", r " + (rf == null ? 1 : rf[(int) g]) + ", c " + (cf == null ? 1 : cf[(int) ((g / m.rows()) * m.cols() + j)])
            + ": vector 0x" + Integer.toHexString(fast.getAtIndex(I16, k) & 0xFFFF)
            + ", scalar 0x" + Integer.toHexString(ref.getAtIndex(I16, k) & 0xFFFF);
    }
}
