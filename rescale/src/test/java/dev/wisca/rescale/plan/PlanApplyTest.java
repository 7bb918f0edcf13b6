package dev.wisca.rescale.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wisca.io.Dtype;
import dev.wisca.io.TensorInfo;
import dev.wisca.rescale.backend.cpu.CpuBackend;
import dev.wisca.rescale.backend.cpu.ScalarBackend;
import dev.wisca.rescale.fixtures.InMemoryApply;
import dev.wisca.rescale.fixtures.MemorySource;
import dev.wisca.rescale.fixtures.TinyBlock;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.graph.Site;
import dev.wisca.rescale.solve.Pow2Mode;
import dev.wisca.rescale.solve.SiteReport;
import dev.wisca.rescale.solve.SolverOptions;
import dev.wisca.rescale.stats.FactorLookup;
import dev.wisca.rescale.stats.Norm;
import dev.wisca.rescale.stats.SiteStats;
import dev.wisca.rescale.stats.StatsPass;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PlanApplyTest {

    @ParameterizedTest
    @CsvSource({"false, true, L1", "true, true, L2", "true, false, MAX", "false, false, L1"})
    void realScalesPreserveTheFunctionAndBalanceTheOutput(boolean offset, boolean kvGroup, Norm norm) {
        SolverOptions options = SolverOptions.defaults().withNorm(norm);
        List<Site> sites = TinyBlock.sites(offset, kvGroup);
        try (MemorySource in = TinyBlock.build(Dtype.F64, offset, 11)) {
            Plan plan = Planner.plan(in, sites, options, CpuBackend.INSTANCE, 2);
            assertTrue(plan.reports().stream().noneMatch(SiteReport::pow2));
            try (MemorySource out = InMemoryApply.apply(in, plan, CpuBackend.INSTANCE)) {
                assertClose(TinyBlock.invariants(in, offset), TinyBlock.invariants(out, offset), 1e-12);
                for (String g : new String[] {"norm1", "norm2"}) {
                    for (double v : out.values(g)) assertEquals(offset ? 0.0 : 1.0, v, 1e-15, g + " folded");
                }
                assertArrayEquals(in.values("untouched"), out.values("untouched"));
                // balance recomputed from the output tensors: N_p == N_c per channel
                List<Site> balanced = sites.stream().filter(s -> s.pair() != Pair.NORM).toList();
                for (SiteStats s : StatsPass.collect(out, balanced, FactorLookup.NONE, ScalarBackend.INSTANCE, 1)) {
                    for (int c = 0; c < s.site().channels(); c++) {
                        double np = s.producers().norm(norm, c), nc = s.consumers().norm(norm, c);
                        assertEquals(np, nc, 1e-12 * np, s.site().id() + " channel " + c);
                    }
                }
                // and solving again changes nothing
                Plan again = Planner.plan(out, balanced, options, CpuBackend.INSTANCE, 2);
                again.siteScales().forEach((id, scales) -> {
                    for (double s : scales) assertEquals(1.0, s, 1e-12, id);
                });
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"BF16, true", "F16, false", "F32, true"})
    void pow2ScalesRoundTripBitForBit(Dtype dtype, boolean offset) {
        List<Site> sites = TinyBlock.sites(offset, true);
        try (MemorySource in = TinyBlock.build(dtype, offset, 5)) {
            Plan plan = Planner.plan(in, sites, SolverOptions.defaults().withPow2(Pow2Mode.ON), CpuBackend.INSTANCE, 2);
            for (double[] scales : plan.siteScales().values()) {
                for (double s : scales) assertEquals(Math.scalb(1.0, Math.getExponent(s)), s, 0, "power of two");
            }
            assertTrue(plan.siteScales().get("qk")[0] != 1.0 || plan.siteScales().get("qk")[1] != 1.0, "something to undo");
            try (MemorySource out = InMemoryApply.apply(in, plan, CpuBackend.INSTANCE);
                 MemorySource back = InMemoryApply.apply(out, plan.inverse(), CpuBackend.INSTANCE)) {
                assertClose(TinyBlock.invariants(in, offset), TinyBlock.invariants(out, offset), 1e-12);
                for (TensorInfo t : in.tensors()) {
                    assertEquals(-1L, in.tensor(t.name()).data().mismatch(back.tensor(t.name()).data()), t.name());
                }
                Plan again = Planner.plan(out, sites.stream().filter(s -> s.pair() != Pair.NORM).toList(),
                    SolverOptions.defaults().withPow2(Pow2Mode.ON), CpuBackend.INSTANCE, 2);
                again.siteScales().forEach((id, scales) -> {
                    for (double s : scales) assertEquals(1.0, s, 0, id + " idempotent");
                });
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"F32", "BF16"})
    void realScalesRoundTripWithinRounding(Dtype dtype) {
        List<Site> sites = TinyBlock.sites(false, true);
        try (MemorySource in = TinyBlock.build(dtype, false, 3)) {
            Plan plan = Planner.plan(in, sites, SolverOptions.defaults().withPow2(Pow2Mode.OFF), CpuBackend.INSTANCE, 2);
            try (MemorySource out = InMemoryApply.apply(in, plan, CpuBackend.INSTANCE);
                 MemorySource back = InMemoryApply.apply(out, plan.inverse(), CpuBackend.INSTANCE)) {
                double ulp = Math.scalb(1.0, -dtype.mantissaBits());
                for (TensorInfo t : in.tensors()) {
                    double[] a = in.values(t.name()), b = back.values(t.name());
                    for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 2 * ulp * Math.abs(a[i]), t.name());
                }
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"false", "true"})
    void qkIsSolvedOnTheNormFoldedWeights(boolean offset) {
        try (MemorySource in = TinyBlock.build(Dtype.F64, offset, 17)) {
            Plan plan = Planner.plan(in, TinyBlock.sites(offset, true), SolverOptions.defaults(), CpuBackend.INSTANCE, 2);
            double[] q = in.values("q"), k = in.values("k"), g = in.values("norm1");
            int H = TinyBlock.H;
            double[] qSum = new double[TinyBlock.NKV], kSum = new double[TinyBlock.NKV];
            for (int row = 0; row < TinyBlock.NH * TinyBlock.HD; row++) {
                for (int b = 0; b < H; b++) qSum[row / (TinyBlock.NH / TinyBlock.NKV * TinyBlock.HD)] += Math.abs(q[row * H + b] * (offset ? 1 + g[b] : g[b]));
            }
            for (int row = 0; row < TinyBlock.NKV * TinyBlock.HD; row++) {
                for (int b = 0; b < H; b++) kSum[row / TinyBlock.HD] += Math.abs(k[row * H + b] * (offset ? 1 + g[b] : g[b]));
            }
            double[] qk = plan.siteScales().get("qk");
            for (int j = 0; j < TinyBlock.NKV; j++) assertEquals(Math.sqrt(kSum[j] / qSum[j]), qk[j], 1e-14);
            // q's factors: rows from QK, columns from the fold
            TensorFactors qf = plan.factors().get("q");
            for (int b = 0; b < H; b++) assertEquals(offset ? 1 + g[b] : g[b], qf.cols()[b], 0);
            assertEquals(qk[1], qf.rows()[TinyBlock.NH * TinyBlock.HD - 1], 0);
            assertFalse(plan.factors().containsKey("untouched"));
        }
    }

    private static void assertClose(double[] expected, double[] actual, double relative) {
        assertEquals(expected.length, actual.length);
        double scale = 0;
        for (double e : expected) scale = Math.max(scale, Math.abs(e));
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], actual[i], relative * scale, "invariant " + i);
    }
}
