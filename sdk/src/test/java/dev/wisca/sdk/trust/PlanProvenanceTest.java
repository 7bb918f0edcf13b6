package dev.wisca.sdk.trust;

import dev.wisca.sdk.ModelInternals;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.graph.Granularity;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.graph.Site;
import dev.wisca.rescale.graph.SiteOptions;
import dev.wisca.rescale.plan.FactorTable;
import dev.wisca.rescale.plan.Plan;
import dev.wisca.rescale.plan.PlanStore;
import dev.wisca.rescale.plan.Planner;
import dev.wisca.sdk.RescalePlan;
import dev.wisca.rescale.plan.TensorFactors;
import dev.wisca.rescale.solve.SiteReport;
import dev.wisca.rescale.solve.SiteSolution;
import dev.wisca.sdk.Model;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.sdk.SampleCheckpoints;
import dev.wisca.sdk.Wisca;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Apply and undo check provenance (issue 11 §2): a plan is applied only to the checkpoint it was solved
 * on, undone only on a checkpoint stamped with it, refused when its factors are not exact inverse pairs
 * on the model's sites even after re-hashing, and an output whose values leave the dtype's range is
 * never published.
 */
class PlanProvenanceTest {
    static final RescaleSettings SETTINGS = RescaleSettings.paper();

    @TempDir static Path dir;
    static Path a;
    static Path b;
    static RescalePlan plan;
    /** The engine's plan of the same solve (the tests edit its factors). */
    static Plan engine;

    @BeforeAll
    static void solve() {
        a = SampleCheckpoints.write("llama", dir.resolve("a"), 1);
        b = SampleCheckpoints.write("llama", dir.resolve("b"), 2);
        try (Model model = Wisca.open(a)) {
            plan = model.plan(SETTINGS);
            engine = Planner.plan(ModelInternals.checkpoint(model), ModelInternals.sites(model, SETTINGS.sites()).sites(), SETTINGS);
        }
        assertEquals(plan.hash(), engine.hash(), "the engine solves as the facade does");
        plan.save(dir.resolve("plan"));
    }

    @Test
    void aPlanForAnotherCheckpointIsRefused(@TempDir Path out) {
        RescalePlan loaded = RescalePlan.load(dir.resolve("plan"));
        try (Model other = Wisca.open(b)) {
            WiscaException e = assertThrows(WiscaException.class, () -> other.apply(loaded, out.resolve("x")));
            assertEquals(ErrorKind.PLAN_MISMATCH, e.kind());
            assertTrue(e.path().orElseThrow().startsWith(b), e.getMessage());
        }
        assertFalse(Files.exists(out.resolve("x")), "nothing written");
        try (Model same = Wisca.open(a)) {
            same.apply(loaded, out.resolve("ok"));
        }
    }

    @Test
    void undoNeedsTheStampOfExactlyThisPlan(@TempDir Path out) {
        Path rescaled = out.resolve("rescaled");
        try (Model model = Wisca.open(a)) {
            model.apply(plan, rescaled);
            WiscaException unstamped = assertThrows(WiscaException.class, () -> model.undo(plan, out.resolve("u1")));
            assertEquals(ErrorKind.PLAN_MISMATCH, unstamped.kind(), "the original carries no stamp");
        }
        RescalePlan another;
        try (Model model = Wisca.open(a)) {
            another = model.plan(SETTINGS.withSites(SiteOptions.of(Granularity.KV_GROUP, Pair.QK, Pair.VO)));
        }
        assertFalse(another.hash().equals(plan.hash()));
        try (Model model = Wisca.open(rescaled)) {
            WiscaException wrong = assertThrows(WiscaException.class, () -> model.undo(another, out.resolve("u2")));
            assertEquals(ErrorKind.PLAN_MISMATCH, wrong.kind());
            assertTrue(wrong.getMessage().contains(plan.hash()) && wrong.getMessage().contains(another.hash()), wrong.getMessage());
            WiscaException inverse = assertThrows(WiscaException.class, () -> model.undo(plan.inverse(), out.resolve("u3")));
            assertEquals(ErrorKind.PLAN_MISMATCH, inverse.kind());
            model.undo(RescalePlan.load(dir.resolve("plan")), out.resolve("restored"));
        }
        try (Model restored = Wisca.open(out.resolve("restored"))) {
            WiscaException twice = assertThrows(WiscaException.class, () -> restored.undo(plan, out.resolve("u4")));
            assertEquals(ErrorKind.PLAN_MISMATCH, twice.kind(), "an undo output is not undone again");
        }
    }

    @Test
    void qScaledWithoutKIsRefusedEvenWhenReHashed(@TempDir Path out) {
        Map<String, TensorFactors> noK = new LinkedHashMap<>(engine.factors());
        assertTrue(noK.keySet().removeIf(n -> n.contains("k_proj")));
        assertRefused(withFactors(noK), out, "k_proj");

        Map<String, TensorFactors> doubledQ = new LinkedHashMap<>(engine.factors());
        String q = doubledQ.keySet().stream().filter(n -> n.contains("q_proj")).findFirst().orElseThrow();
        TensorFactors f = doubledQ.get(q);
        doubledQ.put(q, new TensorFactors(q, f.dtype(), f.shape(), Arrays.stream(f.rows()).map(r -> 2 * r).toArray(), f.cols(), f.offsetGain()));
        assertRefused(withFactors(doubledQ), out, q);
    }

    @ParameterizedTest
    @ValueSource(doubles = {1e300, 0x1p140})   // a real factor, and a power of two (the exponent-shift path) past f32's range
    void valuesBeyondTheDtypeAreNeverPublished(double factor, @TempDir Path out) throws IOException {
        RescalePlan huge;
        try (Model model = Wisca.open(a)) {
            FactorTable table = new FactorTable(ModelInternals.checkpoint(model));
            Map<String, double[]> scales = new LinkedHashMap<>();
            for (SiteReport r : plan.reports()) {
                Site site = ModelInternals.sites(model, new SiteOptions(EnumSet.of(r.pair()), Granularity.TENSOR)).site(r.id()).orElseThrow();
                double[] s = new double[site.channels()];
                Arrays.fill(s, r.pair() == Pair.QK ? factor : 1.0);   // consistent inverse pairs, but q overflows f32
                table.add(new SiteSolution(site, s, r));
                scales.put(r.id(), s);
            }
            huge = saved(new Plan(engine.options(), false, engine.reports(), scales, table.factors()).withDigestsOf(ModelInternals.checkpoint(model)));
            Path target = out.resolve("huge");
            WiscaException e = assertThrows(WiscaException.class, () -> model.apply(huge, target));
            assertEquals(ErrorKind.VALUE_OUT_OF_RANGE, e.kind());
            assertTrue(e.tensor().orElseThrow().contains("q_proj") || e.tensor().orElseThrow().contains("k_proj"), e.getMessage());
            try (Stream<Path> files = Files.exists(target) ? Files.list(target) : Stream.empty()) {
                assertEquals(0, files.filter(p -> p.getFileName().toString().contains("safetensors")).count(), "no weights published");
            }
        }
    }

    /** The same plan with other factors, saved (so re-hashed) and loaded: it loads, apply refuses it. */
    private static RescalePlan withFactors(Map<String, TensorFactors> factors) {
        Plan edited = new Plan(engine.options(), false, engine.reports(), engine.siteScales(), factors, engine.digests());
        RescalePlan loaded = saved(edited);
        assertEquals(edited.hash(), loaded.hash(), "a re-hashed plan passes the hash check");
        return loaded;
    }

    /** {@code p} saved by the engine and loaded through the sdk, as a user's edited plan file would be. */
    private static RescalePlan saved(Plan p) {
        Path folder = dir.resolve("edited-" + p.hash());
        PlanStore.save(p, folder);
        return RescalePlan.load(folder);
    }

    private static void assertRefused(RescalePlan edited, Path out, String tensorPart) {
        try (Model model = Wisca.open(a)) {
            WiscaException e = assertThrows(WiscaException.class, () -> model.apply(edited, out.resolve("edited")));
            assertEquals(ErrorKind.INVALID_PLAN, e.kind());
            assertTrue(e.tensor().orElseThrow().contains(tensorPart), e.getMessage());
        }
        assertFalse(Files.exists(out.resolve("edited")));
    }

    @Test
    void digestsSurviveSaveAndLoad() {
        Plan loaded = PlanStore.load(dir.resolve("plan"));
        assertEquals(engine.digests(), loaded.digests());
        assertEquals(engine.factors().keySet(), engine.digests().keySet());
        assertArrayEquals(engine.factors().keySet().toArray(), loaded.factors().keySet().toArray());
    }
}
