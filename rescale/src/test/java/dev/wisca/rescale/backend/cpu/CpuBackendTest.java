package dev.wisca.rescale.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.wisca.io.Dtype;
import dev.wisca.io.Tensor;
import dev.wisca.rescale.backend.AxisStats;
import dev.wisca.rescale.backend.MatrixView;
import dev.wisca.rescale.fixtures.MemorySource;
import dev.wisca.rescale.graph.Axis;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CpuBackendTest {

    @ParameterizedTest
    @CsvSource({"F32, 7, 37", "F32, 5, 64", "BF16, 6, 53", "F16, 4, 70", "F64, 3, 19"})
    void vectorStatsMatchScalarReference(Dtype dtype, int rows, int cols) {
        Random random = new Random(rows * 1000L + cols);
        try (MemorySource src = new MemorySource()) {
            double[] values = new double[rows * cols];
            for (int i = 0; i < values.length; i++) values[i] = (random.nextDouble() - 0.5) * 3;
            src.add("w", dtype, new long[] {rows, cols}, values);
            Tensor t = src.tensor("w");
            MatrixView m = MatrixView.of(t.data(), t.dtype(), t.shape());
            double[] rf = random.doubles(rows, 0.25, 4).toArray();
            double[] cf = random.doubles(cols, 0.25, 4).toArray();
            for (Axis axis : Axis.values()) {
                for (boolean withFactors : new boolean[] {false, true}) {
                    AxisStats fast = CpuBackend.INSTANCE.stats(m, 1, rows, axis, withFactors ? rf : null, withFactors ? cf : null, false);
                    AxisStats ref = ScalarBackend.INSTANCE.stats(m, 1, rows, axis, withFactors ? rf : null, withFactors ? cf : null, false);
                    assertClose(ref.sum(), fast.sum());
                    assertClose(ref.absSum(), fast.absSum());
                    assertClose(ref.sqSum(), fast.sqSum());
                    assertClose(ref.absMax(), fast.absMax());
                    assertEquals(ref.countPerIndex(), fast.countPerIndex());
                    assertEquals(ref.firstIndex(), fast.firstIndex());
                }
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"5, 37", "3, 64", "2, 129"})
    void vectorScaleMatchesScalarBitForBit(int rows, int cols) {
        Random random = new Random(cols);
        try (MemorySource src = new MemorySource(); Arena arena = Arena.ofConfined()) {
            double[] values = random.doubles((long) rows * cols, -2, 2).toArray();
            src.add("w", Dtype.F32, new long[] {rows, cols}, values);
            Tensor t = src.tensor("w");
            MatrixView m = MatrixView.of(t.data(), t.dtype(), t.shape());
            double[] rf = random.doubles(rows, 0.3, 3).toArray();
            double[] cf = random.doubles(cols, 0.3, 3).toArray();
            long first = 3, count = (long) rows * cols - 5;
            MemorySegment fast = arena.allocate(4 * count);
            MemorySegment ref = arena.allocate(4 * count);
            CpuBackend.INSTANCE.scale(m, first, count, fast, rf, cf, false);
            ScalarBackend.INSTANCE.scale(m, first, count, ref, rf, cf, false);
            assertEquals(-1L, fast.mismatch(ref));
            // and against an independent f64 computation rounded once to f32
            float[] got = fast.toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT);
            for (long e = first; e < first + count; e++) {
                int i = (int) (e / cols), j = (int) (e % cols);
                assertEquals((float) (rf[i] * (double) (float) values[(int) e] * cf[j]), got[(int) (e - first)]);
            }
        }
    }

    private static void assertClose(double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-12 * Math.max(1, Math.abs(expected[i])), "index " + i);
        }
    }

}
