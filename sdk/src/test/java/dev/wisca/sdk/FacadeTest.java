package dev.wisca.sdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wisca.io.Tensor;
import dev.wisca.io.codec.Codecs;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.pattern.PatternReport;
import dev.wisca.rescale.solve.Pow2Mode;
import dev.wisca.rescale.solve.SiteReport;
import dev.wisca.rescale.verify.VerifyReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The five-minute API on a real tiny llama: open, plan, apply, undo, save/load/inverse, verify, stats. Every
 * check reads the written tensors back and compares them with the input's own values.
 */
class FacadeTest {
    @TempDir static Path dir;
    static Path in;
    static final String Q = "model.layers.1.self_attn.q_proj.weight";
    static final String K = "model.layers.1.self_attn.k_proj.weight";
    static final String V = "model.layers.1.self_attn.v_proj.weight";
    /** Power-of-two scales: every scaled element is exact, so undo gives the input bytes back. */
    static final RescaleSettings EXACT = RescaleSettings.paper().withParallelism(2)
        .withSolver(RescaleSettings.paper().solver().withPow2(Pow2Mode.ON));

    @BeforeAll
    static void sample() {
        in = SampleCheckpoints.write("llama", dir.resolve("in"), 7);
    }

    @Test
    void planApplyScalesQByTheFactorKIsDividedBy() {
        Path out = dir.resolve("rescaled");
        RescalePlan plan;
        try (Model model = Wisca.open(in)) {
            assertEquals("llama", model.architecture());
            plan = model.plan(EXACT);
            model.apply(plan, out);
        }
        assertEquals(EXACT, plan.settings(), "the plan travels with its settings");
        assertTrue(plan.tensors().containsAll(java.util.List.of(Q, K, V)), plan.tensors().toString());
        double q = ratio(in, out, Q);
        double k = ratio(in, out, K);
        assertNotEquals(1.0, q, "layer 1's Q/K is unbalanced in the sample, so it is rescaled");
        assertEquals(Math.getExponent(q), -Math.getExponent(k));
        assertEquals(1.0, q * k, 0.0, "K is divided by exactly the power of two Q is multiplied by");
        // the paper's balance: after the rescale L1(Q) = L1(K) (up to the power-of-two rounding, a factor < 2)
        double balance = l1(out, Q) / l1(out, K);
        assertTrue(balance > 0.5 && balance < 2, "L1(q)/L1(k) = " + balance);
        SiteReport qk = plan.reports().stream().filter(r -> r.pair() == Pair.QK && r.id().contains("layers.1")).findFirst().orElseThrow();
        assertEquals(q, qk.geoMeanScale(), 0.0, "the report names the scale written");

        PlanSummary summary = plan.summary();
        assertEquals("llama", summary.architecture());
        assertEquals(plan.hash(), summary.planHash());
        assertEquals(plan.reports().size(), summary.sites());
        PlanSummary.PairLine qkLine = summary.pairs().stream().filter(l -> l.pair().equals("qk")).findFirst().orElseThrow();
        long qkSites = plan.reports().stream().filter(r -> r.pair() == Pair.QK).count();
        assertEquals(qkSites, qkLine.sites());
        assertEquals(plan.reports().stream().filter(r -> r.pair() == Pair.QK).mapToDouble(SiteReport::imbalanceBefore).max().orElseThrow(),
            qkLine.worstImbalanceBefore(), 0.0);
        assertTrue(qkLine.worstImbalanceAfter() < qkLine.worstImbalanceBefore(), "balanced: " + qkLine);

        VerifyReport same = Wisca.verify(in, out).probes().run();
        assertTrue(same.equivalent(), same.summary());
    }

    @Test
    void savedLoadedAndInvertedPlansUndoBitForBit() throws Exception {
        Path out = dir.resolve("rescaled-2");
        Path saved = dir.resolve("plan");
        try (Model model = Wisca.open(in)) {
            RescalePlan plan = model.plan(EXACT);
            model.apply(plan, out);
            plan.save(saved);
            RescalePlan loaded = RescalePlan.load(saved);
            assertEquals(plan.hash(), loaded.hash());
            assertEquals(plan.tensors(), loaded.tensors());
            RescalePlan inverse = loaded.inverse();
            assertTrue(inverse.isUndo() && !loaded.isUndo());
            assertNotEquals(loaded.hash(), inverse.hash());
            assertEquals(loaded.hash(), inverse.inverse().hash(), "inverting twice is the plan again");
            plan.siteScales().forEach((site, scales) -> assertArrayEquals(scales, loaded.siteScales().get(site), site));
            plan.siteScales().forEach((site, scales) -> {
                double[] back = inverse.siteScales().get(site);
                for (int i = 0; i < scales.length; i++) assertEquals(1.0, scales[i] * back[i], 0.0, site + " inverse of a power of two");
            });
        }
        Path back = dir.resolve("restored");
        try (Model rescaled = Wisca.open(out)) {
            rescaled.undo(RescalePlan.load(saved), back);
        }
        try (Checkpoint a = Checkpoint.open(in); Checkpoint b = Checkpoint.open(back)) {
            for (var t : a.tensors()) {
                assertEquals(-1L, a.tensor(t.name()).data().mismatch(b.tensor(t.name()).data()), t.name());
            }
        }
    }

    @Test
    void verifyTellsAnotherModelApart() {
        Path other = SampleCheckpoints.write("llama", dir.resolve("other"), 8);
        VerifyReport differs = Wisca.verify(in, other).probes().run();
        assertFalse(differs.equivalent(), differs.summary());
        VerifyReport itself = Wisca.verify(in, in).probes().tolerance(0, 0).run();
        assertTrue(itself.equivalent(), "a model equals itself even at tolerance 0: " + itself.summary());
    }

    @Test
    void statsAreTheWeightsOwnNorms() {
        PatternReport stats;
        try (Model model = Wisca.open(in)) {
            stats = model.stats();
        }
        assertEquals(l1(in, Q), stats.tensor(Q).orElseThrow().values().l1(), 1e-9 * l1(in, Q));
        assertEquals(Arrays.stream(values(in, V)).map(Math::abs).max().orElseThrow(), stats.tensor(V).orElseThrow().values().maxAbs(), 0.0);
    }

    /** out/in of every element of {@code name}, checked to be one constant; returns it. */
    private static double ratio(Path a, Path b, String name) {
        double[] x = values(a, name);
        double[] y = values(b, name);
        double r = y[0] / x[0];
        for (int i = 0; i < x.length; i++) {
            if (x[i] != 0) assertEquals(r, y[i] / x[i], 0.0, name + "[" + i + "]");
        }
        return r;
    }

    private static double l1(Path ckpt, String name) {
        return Arrays.stream(values(ckpt, name)).map(Math::abs).sum();
    }

    private static double[] values(Path ckpt, String name) {
        assertTrue(Files.exists(ckpt), ckpt.toString());
        try (Checkpoint c = Checkpoint.open(ckpt)) {
            return decode(c.tensor(name));
        }
    }

    /** The stored values of {@code t}, decoded by its dtype's codec. */
    static double[] decode(Tensor t) {
        double[] v = new double[Math.toIntExact(t.elementCount())];
        Codecs.of(t.dtype()).decode(t.data(), 0, v, 0, v.length);
        return v;
    }
}
