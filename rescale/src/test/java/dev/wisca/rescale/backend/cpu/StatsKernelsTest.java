package dev.wisca.rescale.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.wisca.io.Dtype;
import dev.wisca.io.Tensor;
import dev.wisca.rescale.backend.AxisStats;
import dev.wisca.rescale.backend.MatrixView;
import dev.wisca.rescale.fixtures.MemorySource;
import dev.wisca.rescale.graph.Axis;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Whichever statistics kernels run, the sums are the same bits: the scalar lanes, the vector
 * kernels (row-wise, and column-wise over tiles of rows), and the JVM's own choice, on shapes with
 * vector tails, more rows than a column tile, values of wide magnitude, ±0, Inf and NaN, with and
 * without row and column factors, along both axes and on a sub-range of rows. The vector kernels
 * are called before and after {@link VectorWarmUp} has them compiled: their Java fallback must give
 * the compiled code's bits (it reduces lanes in the same fixed order).
 */
class StatsKernelsTest {
    private static final CpuBackend LANES = CpuBackend.withStatsKernels(CpuBackend.StatsKernels.LANES);
    private static final CpuBackend VECTOR = CpuBackend.withStatsKernels(CpuBackend.StatsKernels.VECTOR);

    @ParameterizedTest
    @CsvSource({"BF16, 70, 37, false", "BF16, 130, 64, true", "BF16, 3, 1031, true", "F32, 67, 40, true",
        "F32, 5, 1031, false", "F16, 9, 70, true", "BF16, 1, 7, false"})
    void everyKernelGivesTheSameBits(Dtype dtype, int rows, int cols, boolean specials) {
        Random random = new Random(rows * 31L + cols);
        try (MemorySource src = new MemorySource()) {
            double[] values = new double[rows * cols];
            for (int i = 0; i < values.length; i++) {
                values[i] = random.nextGaussian() * Math.scalb(1.0, random.nextInt(40) - 20);
                int pick = random.nextInt(60);
                if (pick == 0) values[i] = random.nextBoolean() ? 0.0 : -0.0;
                if (specials && pick == 1) values[i] = random.nextBoolean() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
                if (specials && pick == 2) values[i] = Double.NaN;
            }
            src.add("w", dtype, new long[] {rows, cols}, values);
            Tensor t = src.tensor("w");
            MatrixView m = MatrixView.of(t.data(), t.dtype(), t.shape());
            double[] rf = new double[rows], cf = new double[cols];
            for (int i = 0; i < rows; i++) rf[i] = Math.scalb(0.5 + random.nextDouble(), random.nextInt(8) - 4);
            for (int j = 0; j < cols; j++) cf[j] = Math.scalb(0.5 + random.nextDouble(), random.nextInt(8) - 4);
            for (boolean warm : new boolean[] {false, true}) {
                if (warm) VectorWarmUp.run(8_000);
                for (Axis axis : Axis.values()) {
                    for (int factors = 0; factors < 4; factors++) {
                        double[] r = (factors & 1) == 0 ? null : rf, c = (factors & 2) == 0 ? null : cf;
                        for (int first : new int[] {0, rows / 2}) {
                            String what = axis + " factors " + factors + " rows " + first + ".." + rows + (warm ? " warm" : " cold");
                            AxisStats lanes = LANES.stats(m, first, rows, axis, r, c, false);
                            assertBits(lanes, VECTOR.stats(m, first, rows, axis, r, c, false), "vector " + what);
                            assertBits(lanes, CpuBackend.INSTANCE.stats(m, first, rows, axis, r, c, false), "cpu " + what);
                        }
                    }
                }
            }
        }
    }

    private static void assertBits(AxisStats expected, AxisStats actual, String what) {
        assertEquals(expected.firstIndex(), actual.firstIndex(), what);
        assertEquals(expected.countPerIndex(), actual.countPerIndex(), what);
        double[][] e = {expected.sum(), expected.absSum(), expected.sqSum(), expected.absMax()};
        double[][] a = {actual.sum(), actual.absSum(), actual.sqSum(), actual.absMax()};
        for (int q = 0; q < 4; q++) {
            for (int k = 0; k < e[q].length; k++) {
                assertEquals(Double.doubleToLongBits(e[q][k]), Double.doubleToLongBits(a[q][k]),
                    what + ", quantity " + q + " index " + k + ": " + e[q][k] + " vs " + a[q][k]);
            }
        }
    }
}
