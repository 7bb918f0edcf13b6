package dev.wisca.rescale.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The scalar statistics loops give the vector kernels' sums bit for bit (the plan solved from them,
 * and so the rescaled bytes, must not depend on which ran), on rows of many lengths with values of
 * wide magnitude (where summation order shows in the last bits), signed zeros, Inf and NaN, against
 * the vector kernels as C2 compiles them.
 */
class StatsLanesTest {
    @ParameterizedTest
    @CsvSource({"true, LITTLE_ENDIAN", "false, LITTLE_ENDIAN", "false, NATIVE"})
    void scalarLanesGiveTheVectorSumsBitForBit(boolean bf16, String orderName) {
        ByteOrder order = orderName.equals("NATIVE") ? ByteOrder.nativeOrder() : ByteOrder.LITTLE_ENDIAN;
        Random random = new Random(bf16 ? 1 : 2);
        int max = 1031;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment row = arena.allocate(4L * max + 8);
            double[] cf = new double[max];
            warmUp(row, max, bf16, order, cf);
            for (int round = 0; round < 3; round++) {
                for (int n : new int[] {0, 3, 8, 16, 17, 64, 100, 257, 1024, 1031}) {
                    fill(row, max, bf16, order, random, round == 2);
                    for (int j = 0; j < max; j++) cf[j] = Math.scalb(0.5 + random.nextDouble(), random.nextInt(20) - 10);
                    long offset = random.nextInt(2) * (bf16 ? 2L : 4L);
                    for (double[] factors : new double[][] {null, cf}) {
                        double[] fast = new double[4];
                        double[] ref = new double[4];
                        StatsLanes.reduceRow(row, offset, n, bf16, order, factors, fast);
                        VectorKernels.reduceRow(row, offset, n, bf16, order, factors, ref);
                        for (int retry = 0; retry < 5 && !Arrays.equals(ref, fast); retry++) {
                            // a deoptimized kernel runs the Java fallback again until C2 recompiles it
                            warmUp(row, max, bf16, order, cf);
                            VectorKernels.reduceRow(row, offset, n, bf16, order, factors, ref);
                        }
                        assertBits(ref, fast, "reduceRow n=" + n);
                        double r = 0.5 + random.nextDouble();
                        double[][] a = accumulators(max, random), b = copy(a);
                        StatsLanes.accumulateRow(row, offset, n, bf16, order, r, a[0], a[1], a[2], a[3]);
                        VectorKernels.accumulateRow(row, offset, n, bf16, order, r, b[0], b[1], b[2], b[3]);
                        for (int q = 0; q < 4; q++) assertBits(b[q], a[q], "accumulateRow n=" + n + " quantity " + q);
                    }
                }
            }
        }
    }

    /**
     * Calls the vector kernels until C2 has compiled them: their Java fallback adds the lanes in
     * another order (see {@link StatsLanes#reduceLanes}), so until then the last bits differ. A probe
     * row whose lane-order and C2-order sums differ tells when the compiled code runs.
     */
    private static void warmUp(MemorySegment row, int max, boolean bf16, ByteOrder order, double[] cf) {
        double[] out = new double[4];
        double[] sum = new double[max], abs = new double[max], sq = new double[max], mx = new double[max];
        MemorySegment probe = Arena.ofAuto().allocate(4L * 64);
        float[] values = {1e8f, 1, -1e8f, 1, 3, 0.25f, 7, 1e-3f, 1e8f, 1, -1e8f, 1, 3, 0.25f, 7, 1e-3f};
        for (int j = 0; j < 64; j++) {
            float v = values[j % values.length] * (1 + j / 16);
            if (bf16) probe.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order), 2L * j, (short) (Float.floatToRawIntBits(v) >>> 16));
            else probe.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(order), 4L * j, v);
        }
        double[] expected = new double[4];
        StatsLanes.reduceRow(probe, 0, 64, bf16, order, null, expected);
        for (int attempt = 0; attempt < 400; attempt++) {
            for (int i = 0; i < 5_000; i++) {   // the shapes the test uses, so C2's profile covers them
                int n = 8 + (i % 16) * 64 + (i % 3);
                long offset = (i & 2) == 0 ? 0 : bf16 ? 2 : 4;
                VectorKernels.reduceRow(row, offset, n, bf16, order, (i & 1) == 0 ? null : cf, out);
                VectorKernels.accumulateRow(row, offset, n, bf16, order, 1.5, sum, abs, sq, mx);
            }
            VectorKernels.reduceRow(probe, 0, 64, bf16, order, null, out);
            if (out[0] == expected[0] && out[1] == expected[1] && out[2] == expected[2]) return;
            try {
                Thread.sleep(20);   // let the background compile finish
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("the vector statistics kernels never gave the C2-ordered sums " + Arrays.toString(expected)
            + " (last " + Arrays.toString(out) + "): not compiled by C2 in this JVM, or C2 reduces in another order here");
    }

    private static void fill(MemorySegment row, int n, boolean bf16, ByteOrder order, Random random, boolean specials) {
        for (int j = 0; j < n + 2; j++) {
            float v = (float) (random.nextGaussian() * Math.scalb(1.0, random.nextInt(40) - 20));
            int pick = random.nextInt(50);
            if (pick == 0) v = random.nextBoolean() ? 0.0f : -0.0f;
            if (specials && pick == 1) v = random.nextBoolean() ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
            if (specials && pick == 2) v = Float.NaN;
            if (bf16) {
                row.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order), 2L * j, (short) (Float.floatToRawIntBits(v) >>> 16));
            } else {
                row.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(order), 4L * j, v);
            }
        }
    }

    private static double[][] accumulators(int n, Random random) {
        double[][] out = new double[4][n];
        for (int j = 0; j < n; j++) {
            out[0][j] = random.nextGaussian();
            out[1][j] = Math.abs(random.nextGaussian());
            out[2][j] = Math.abs(random.nextGaussian());
            out[3][j] = Math.abs(random.nextGaussian());
        }
        return out;
    }

    private static double[][] copy(double[][] a) {
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) out[i] = a[i].clone();
        return out;
    }

    private static void assertBits(double[] expected, double[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Double.doubleToLongBits(expected[i]), Double.doubleToLongBits(actual[i]),
                what + " index " + i + ": vector " + expected[i] + ", scalar " + actual[i]);
        }
    }
}
