package dev.wisca.rescale.stats;

import static dev.wisca.rescale.fixtures.Sites.blocks;
import static dev.wisca.rescale.fixtures.Sites.consumer;
import static dev.wisca.rescale.fixtures.Sites.producer;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.Tensor;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.backend.MatrixView;
import dev.wisca.rescale.backend.cpu.CpuBackend;
import dev.wisca.rescale.backend.cpu.ScalarBackend;
import dev.wisca.rescale.fixtures.MemorySource;
import dev.wisca.rescale.graph.Axis;
import dev.wisca.rescale.graph.Member;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.graph.Site;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StatsPassTest {

    @Test
    void mergedRowBlocksEqualTheWholeTensor() {
        try (MemorySource src = new MemorySource()) {
            src.addRandom("w", Dtype.F32, new long[] {10, 12}, new Random(1));
            Tensor t = src.tensor("w");
            MatrixView m = MatrixView.of(t.data(), t.dtype(), t.shape());
            for (Axis axis : Axis.values()) {
                int length = axis == Axis.ROWS ? 10 : 12;
                int[] channelOf = blocks(length, 3);
                int channels = channelOf[length - 1] + 1;
                ChannelStats whole = ChannelStats.of(CpuBackend.INSTANCE.stats(m, 0, 10, axis, null, null, false), channelOf, channels);
                ChannelStats top = ChannelStats.of(CpuBackend.INSTANCE.stats(m, 0, 4, axis, null, null, false), channelOf, channels);
                ChannelStats bottom = ChannelStats.of(CpuBackend.INSTANCE.stats(m, 4, 10, axis, null, null, false), channelOf, channels);
                // values are multiples of 2^-7: every partial sum is exact, so merging must be exact too
                assertEquals(whole, top.merge(bottom));
                assertEquals(whole, bottom.merge(top));
            }
        }
    }

    /** Plans must not depend on the kernels that ran or the thread count: multi-block bf16 tensors, both axes, bit for bit. */
    @Test
    void statisticsAreTheSameBitsForEveryKernelAndThreadCount() {
        try (MemorySource src = new MemorySource()) {
            src.addRandom("q", Dtype.BF16, new long[] {520, 2050}, new Random(3));
            src.addRandom("o", Dtype.BF16, new long[] {2100, 520}, new Random(4));
            Site site = new Site("s", Pair.VO, 0, 65, List.of(
                producer("q", Axis.ROWS, blocks(520, 8)), consumer("o", Axis.COLS, blocks(520, 8))));
            SiteStats reference = StatsPass.collect(src, List.of(site), FactorLookup.NONE,
                CpuBackend.withStatsKernels(CpuBackend.StatsKernels.LANES), 1).getFirst();
            for (CpuBackend.StatsKernels kernels : CpuBackend.StatsKernels.values()) {
                for (int threads : new int[] {1, 2, 3}) {
                    SiteStats stats = StatsPass.collect(src, List.of(site), FactorLookup.NONE,
                        CpuBackend.withStatsKernels(kernels), threads).getFirst();
                    for (int m = 0; m < 2; m++) {
                        assertEquals(reference.members().get(m), stats.members().get(m), kernels + " on " + threads + " threads, member " + m);
                    }
                }
            }
        }
    }

    @Test
    void siteStatisticsMatchAHandComputation() {
        double[] q = {1, -2, 3, -4, 0.5, 0.25};          // [3, 2]
        double[] k = {-1, 2, 8, -0.5};                    // [2, 2]
        double[] gain = {-0.5, 0.25};                     // offset gain, 1-D
        try (MemorySource src = new MemorySource()) {
            src.add("q", Dtype.F32, new long[] {3, 2}, q).add("k", Dtype.BF16, new long[] {2, 2}, k)
                .add("g", Dtype.F16, new long[] {2}, gain);
            Site site = new Site("s", Pair.QK, 0, 2, List.of(
                producer("q", Axis.ROWS, new int[] {0, 1, -1}),
                consumer("k", Axis.COLS, new int[] {1, 0}),
                new Member("g", -1, Axis.ROWS, new int[] {0, 1}, -1, true)));
            SiteStats stats = StatsPass.collect(src, List.of(site), FactorLookup.NONE, CpuBackend.INSTANCE, 2).getFirst();
            ChannelStats qs = stats.members().get(0);
            assertArrayEquals(new double[] {3, 7}, qs.absSum());
            assertArrayEquals(new double[] {5, 25}, qs.sqSum());
            assertArrayEquals(new double[] {2, 4}, qs.absMax());
            assertArrayEquals(new double[] {-1, -1}, qs.sum());
            assertArrayEquals(new long[] {2, 2}, qs.count());
            ChannelStats ks = stats.members().get(1);   // channel 0 = column 1, channel 1 = column 0
            assertArrayEquals(new double[] {2.5, 9}, ks.absSum());
            assertArrayEquals(new double[] {2, 8}, ks.absMax());
            ChannelStats gs = stats.members().get(2);   // |1 + w|
            assertArrayEquals(new double[] {0.5, 1.25}, gs.absSum());
            assertArrayEquals(new double[] {0.5, 1.25}, gs.sum());
            assertArrayEquals(new double[] {3, 7}, stats.producers().absSum());
            assertArrayEquals(new double[] {3, 10.25}, stats.consumers().absSum());
            assertArrayEquals(new double[] {2, 8}, stats.consumers().absMax());
            assertEquals(List.of(Dtype.F32, Dtype.BF16, Dtype.F16), stats.dtypes());
        }
    }

    @Test
    void priorFactorsAreAppliedOnTheFly() {
        Random random = new Random(7);
        int rows = 6, cols = 40;
        try (MemorySource src = new MemorySource()) {
            double[] w = src.addRandom("w", Dtype.F32, new long[] {rows, cols}, random);
            double[] rf = random.doubles(rows, 0.5, 2).toArray();
            double[] cf = random.doubles(cols, 0.5, 2).toArray();
            FactorLookup priors = new FactorLookup() {
                @Override public double[] rows(String t) { return rf; }
                @Override public double[] cols(String t) { return cf; }
            };
            Site site = new Site("s", Pair.QK, 0, rows, List.of(
                producer("w", Axis.ROWS, blocks(rows, 1)), consumer("w", Axis.COLS, blocks(cols, 7))));
            SiteStats stats = StatsPass.collect(src, List.of(site), priors, CpuBackend.INSTANCE, 2).getFirst();
            double[] rowL1 = new double[rows], colL1 = new double[rows], rowSq = new double[rows];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    double v = rf[i] * w[i * cols + j] * cf[j];
                    rowL1[i] += Math.abs(v);
                    rowSq[i] += v * v;
                    colL1[j / 7] += Math.abs(v);
                }
            }
            assertArrayEquals(rowL1, stats.members().get(0).absSum(), 1e-12);
            assertArrayEquals(rowSq, stats.members().get(0).sqSum(), 1e-12);
            assertArrayEquals(colL1, stats.members().get(1).absSum(), 1e-12);
            SiteStats scalar = StatsPass.collect(src, List.of(site), priors, ScalarBackend.INSTANCE, 1).getFirst();
            assertArrayEquals(scalar.members().get(1).absSum(), stats.members().get(1).absSum(), 1e-12);
        }
    }

    @Test
    void batchMembersReadOnlyTheirMatrix() {
        try (MemorySource src = new MemorySource()) {
            double[] w = src.addRandom("experts", Dtype.BF16, new long[] {3, 4, 5}, new Random(3));
            Site site = new Site("e1", Pair.UPDOWN, 0, 4, List.of(
                new Member("experts", 1, Axis.ROWS, blocks(4, 1), 1, false),
                new Member("experts", 2, Axis.COLS, new int[] {0, 1, 2, 3, -1}, -1, false)));
            SiteStats stats = StatsPass.collect(src, List.of(site), FactorLookup.NONE, CpuBackend.INSTANCE, 2).getFirst();
            for (int c = 0; c < 4; c++) {
                double rowSum = 0, colSum = 0;
                for (int j = 0; j < 5; j++) rowSum += Math.abs(w[20 + c * 5 + j]);
                for (int i = 0; i < 4; i++) colSum += Math.abs(w[40 + i * 5 + c]);
                assertEquals(rowSum, stats.producers().absSum()[c]);
                assertEquals(colSum, stats.consumers().absSum()[c]);
            }
        }
    }

    @Test
    void rejectsAMemberWhoseLengthDoesNotFitTheTensor() {
        try (MemorySource src = new MemorySource()) {
            src.addRandom("w", Dtype.F32, new long[] {4, 4}, new Random(1));
            Site site = new Site("s", Pair.QK, 0, 1, List.of(producer("w", Axis.ROWS, new int[5])));
            WiscaException e = assertThrows(WiscaException.class,
                () -> StatsPass.collect(src, List.of(site), FactorLookup.NONE, CpuBackend.INSTANCE, 1));
            assertEquals(ErrorKind.INVALID_SPEC, e.kind());
            assertEquals("w", e.tensor().orElseThrow());
        }
    }
}
