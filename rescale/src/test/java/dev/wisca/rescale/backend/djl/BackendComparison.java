package dev.wisca.rescale.backend.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.wisca.io.Dtype;
import dev.wisca.rescale.backend.AxisStats;
import dev.wisca.rescale.backend.Backend;
import dev.wisca.rescale.backend.MatrixView;
import dev.wisca.rescale.backend.cpu.ScalarBackend;
import dev.wisca.rescale.fixtures.MemorySource;
import dev.wisca.rescale.graph.Axis;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

/** Checks a backend against {@link ScalarBackend} on random matrices (shared by the CPU and GPU tests). */
final class BackendComparison {
    private BackendComparison() {}

    /** Random values of mixed magnitude and sign, around 1 (for offset gains) or 0. */
    static double[] values(Random random, int n, boolean offsetGain) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = (offsetGain ? 0.5 : 0) + random.nextGaussian() * Math.scalb(1.0, random.nextInt(9) - 4);
        return v;
    }

    static double[] factors(Random random, int n) {
        return random.doubles(n, 0.05, 20).toArray();
    }

    /** Both axes, with and without factors: statistics of rows [1, rows) within {@code relTol}. */
    static void assertStatsMatch(Backend backend, Dtype dtype, int rows, int cols, boolean offsetGain, long seed, double relTol) {
        Random random = new Random(seed);
        try (MemorySource src = new MemorySource()) {
            src.add("w", dtype, new long[] {rows, cols}, values(random, rows * cols, offsetGain));
            MatrixView m = MatrixView.of(src.tensor("w").data(), dtype, new long[] {rows, cols});
            double[] rf = factors(random, rows);
            double[] cf = factors(random, cols);
            for (Axis axis : Axis.values()) {
                for (boolean withFactors : new boolean[] {false, true}) {
                    double[] r = withFactors ? rf : null, c = withFactors ? cf : null;
                    AxisStats got = backend.stats(m, 1, rows, axis, r, c, offsetGain);
                    AxisStats ref = ScalarBackend.INSTANCE.stats(m, 1, rows, axis, r, c, offsetGain);
                    String what = dtype + " " + axis + (withFactors ? " with factors" : "") + (offsetGain ? " offset" : "");
                    assertEquals(ref.firstIndex(), got.firstIndex(), what);
                    assertEquals(ref.countPerIndex(), got.countPerIndex(), what);
                    assertClose(ref.sum(), got.sum(), relTol, what + " sum");
                    assertClose(ref.absSum(), got.absSum(), relTol, what + " |sum|");
                    assertClose(ref.sqSum(), got.sqSum(), relTol, what + " sq");
                    assertClose(ref.absMax(), got.absMax(), 0, what + " max");
                }
            }
        }
    }

    /**
     * Scales a 3-D view {@code [batches, rows, cols]} from an element inside the first row to one inside
     * the last, with per-row and per-batch column factors: bytes must equal {@link ScalarBackend}'s.
     */
    static void assertScaleMatches(Backend backend, Dtype dtype, int batches, int rows, int cols, boolean offsetGain, long seed) {
        Random random = new Random(seed);
        int n = batches * rows * cols;
        try (MemorySource src = new MemorySource(); Arena arena = Arena.ofConfined()) {
            src.add("w", dtype, new long[] {batches, rows, cols}, values(random, n, offsetGain));
            MatrixView m = MatrixView.of(src.tensor("w").data(), dtype, new long[] {batches, rows, cols});
            double[] rf = factors(random, batches * rows);
            double[] cf = factors(random, batches * cols);
            long first = cols / 2 + 1, count = n - first - cols / 3 - 1;
            for (int which = 0; which < 4; which++) {
                double[] r = (which & 1) != 0 ? rf : null, c = (which & 2) != 0 ? cf : null;
                MemorySegment got = arena.allocate(count * dtype.byteSize());
                MemorySegment ref = arena.allocate(count * dtype.byteSize());
                backend.scale(m, first, count, got, r, c, offsetGain);
                ScalarBackend.INSTANCE.scale(m, first, count, ref, r, c, offsetGain);
                long at = got.mismatch(ref);
                assertEquals(-1L, at, dtype + " factors " + which + (offsetGain ? " offset" : "") + ": first differing byte " + at);
            }
        }
    }

    static void assertClose(double[] expected, double[] actual, double relTol, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], relTol * Math.max(1e-300, Math.abs(expected[i])), what + " index " + i);
        }
    }
}
