package dev.wisca.rescale.apply;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.TensorSpec;
import dev.wisca.io.WiscaException;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.io.hf.CheckpointWriter;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.rescale.plan.Planner;
import dev.wisca.rescale.fixtures.MemorySource;
import dev.wisca.rescale.fixtures.TinyBlock;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.graph.Site;
import dev.wisca.rescale.plan.Plan;
import dev.wisca.rescale.plan.PlanStore;
import dev.wisca.rescale.solve.Pow2Mode;
import dev.wisca.rescale.stats.FactorLookup;
import dev.wisca.rescale.stats.SiteStats;
import dev.wisca.rescale.stats.StatsPass;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApplyTest {
    @TempDir Path dir;

    /** Writes the tiny block as a 3-shard checkpoint folder with a config side file. */
    private Path writeCheckpoint(MemorySource src, String name) throws IOException {
        Path folder = dir.resolve(name);
        List<TensorSpec> specs = src.tensors().stream().map(TensorSpec::of).toList();
        CheckpointWriter writer = CheckpointWriter.plan(folder, "model", specs, 200, Map.of("format", "pt", "keep", "me"));
        writer.write((spec, w) -> w.write(spec.name(), src.tensor(spec.name()).data()));
        Files.writeString(folder.resolve("config.json"), "{\"model_type\":\"tiny\"}");
        return folder;
    }

    @Test
    void applyKeepsLayoutBalancesAndUndoesBitForBit() throws IOException {
        List<Site> sites = TinyBlock.sites(true, true);
        RescaleSettings options = RescaleSettings.paper().withParallelism(2);
        try (MemorySource src = TinyBlock.build(Dtype.BF16, true, 21)) {
            Path in = writeCheckpoint(src, "in");
            Path out = dir.resolve("out"), back = dir.resolve("back");
            Plan plan;
            try (Checkpoint ckpt = Checkpoint.open(in)) {
                assertTrue(ckpt.shards().size() >= 3, "fixture must be sharded");
                plan = Planner.plan(ckpt, sites, options);
                Apply.run(ckpt, plan, out, options);
            }
            try (Checkpoint a = Checkpoint.open(in); Checkpoint b = Checkpoint.open(out)) {
                assertEquals(a.shards().stream().map(p -> p.getFileName().toString()).toList(),
                    b.shards().stream().map(p -> p.getFileName().toString()).toList());
                assertEquals(Files.readString(in.resolve("model.safetensors.index.json")),
                    Files.readString(out.resolve("model.safetensors.index.json")));
                assertEquals(Files.readString(in.resolve("config.json")), Files.readString(out.resolve("config.json")));
                for (TensorInfo t : a.tensors()) {
                    assertEquals(a.shardOf(t.name()).getFileName(), b.shardOf(t.name()).getFileName());
                    boolean same = a.tensor(t.name()).data().mismatch(b.tensor(t.name()).data()) == -1;
                    assertEquals(!plan.factors().containsKey(t.name()), same, t.name() + " copied iff untouched");
                }
                assertEquals("me", b.metadata().get("keep"));
                String applied = b.metadata().get(Apply.METADATA_KEY);
                assertTrue(applied.contains("\"hash\":\"" + plan.hash() + "\""), applied);
                assertTrue(applied.contains("\"pow2\":true"), applied);
                // balance recomputed from the output: pow2 leaves every ratio within a factor 2, so re-solving gives exact ones
                List<Site> balanced = sites.stream().filter(s -> s.pair() != Pair.NORM).toList();
                for (SiteStats s : StatsPass.collect(b, balanced, FactorLookup.NONE, options.backend(), 2)) {
                    for (int c = 0; c < s.site().channels(); c++) {
                        double ratio = s.producers().absSum()[c] / s.consumers().absSum()[c];
                        assertTrue(ratio >= 0.5 && ratio <= 2, s.site().id() + " " + ratio);
                    }
                }
                Plan again = Planner.plan(b, balanced, options);
                again.siteScales().values().forEach(v -> { for (double x : v) assertEquals(1.0, x, 0); });
                Apply.run(b, plan.inverse(), back, options);
            }
            try (Checkpoint a = Checkpoint.open(in); Checkpoint c = Checkpoint.open(back)) {
                for (TensorInfo t : a.tensors()) {
                    assertEquals(-1L, a.tensor(t.name()).data().mismatch(c.tensor(t.name()).data()), t.name());
                }
                assertTrue(c.metadata().get(Apply.METADATA_KEY).contains("\"undo\":true"));
            }
        }
    }

    @Test
    void planSurvivesSaveAndLoadAndRejectsAMismatchedCheckpoint() throws IOException {
        List<Site> sites = TinyBlock.sites(false, true);
        try (MemorySource src = TinyBlock.build(Dtype.F32, false, 4);
             MemorySource other = TinyBlock.build(Dtype.F16, false, 4)) {
            Plan plan = Planner.plan(src, sites, RescaleSettings.paper().withParallelism(2));
            Path folder = dir.resolve("plan");
            PlanStore.save(plan, folder);
            Plan loaded = PlanStore.load(folder, src);
            assertEquals(plan.factors(), loaded.factors());
            assertEquals(plan.reports(), loaded.reports());
            assertEquals(plan.options(), loaded.options());
            assertEquals(plan.hash(), loaded.hash());
            plan.siteScales().forEach((id, s) -> assertArrayEquals(s, loaded.siteScales().get(id)));
            Plan inverse = plan.inverse();
            PlanStore.save(inverse, dir.resolve("inverse"));
            assertTrue(PlanStore.load(dir.resolve("inverse")).undo());

            WiscaException wrongDtype = assertThrows(WiscaException.class, () -> PlanStore.load(folder, other));
            assertEquals(ErrorKind.INVALID_PLAN, wrongDtype.kind());
            try (MemorySource missing = new MemorySource()) {
                missing.addRandom("q", Dtype.F32, new long[] {12, 6}, new java.util.Random(1));
                WiscaException e = assertThrows(WiscaException.class, () -> PlanStore.load(folder, missing));
                assertEquals(ErrorKind.INVALID_PLAN, e.kind());
            }
            String json = Files.readString(folder.resolve(PlanStore.JSON));
            Files.writeString(folder.resolve(PlanStore.JSON), json.replaceFirst("\\{", "{\"surprise\": 1,"));
            assertEquals(ErrorKind.INVALID_PLAN, assertThrows(WiscaException.class, () -> PlanStore.load(folder)).kind());
            Files.writeString(folder.resolve(PlanStore.JSON), json.replace("[ 12, 6 ]", "[ 12, 7 ]"));
            WiscaException shape = assertThrows(WiscaException.class, () -> PlanStore.load(folder));
            assertEquals(ErrorKind.INVALID_PLAN, shape.kind());
            assertFalse(shape.getMessage().isEmpty());
        }
    }

    @Test
    void momentsFollowTheirParameters() throws IOException {
        try (MemorySource src = TinyBlock.build(Dtype.F32, false, 8); MemorySource moments = new MemorySource()) {
            double[] m = moments.addRandom("q.exp_avg", Dtype.F32, new long[] {12, 6}, new java.util.Random(2));
            double[] v = moments.addRandom("q.exp_avg_sq", Dtype.F32, new long[] {12, 6}, new java.util.Random(3));
            double[] other = moments.addRandom("untouched.exp_avg", Dtype.F32, new long[] {5, 3}, new java.util.Random(4));
            Path in = writeCheckpoint(moments, "moments");
            RescaleSettings options = RescaleSettings.paper().withParallelism(2)
                .withSolver(dev.wisca.rescale.solve.SolverOptions.defaults().withPow2(Pow2Mode.OFF));
            Plan plan = Planner.plan(src, TinyBlock.sites(false, true), options);
            double[] r = plan.factors().get("q").rows(), c = plan.factors().get("q").cols();
            try (Checkpoint ck = Checkpoint.open(in)) {
                assertEquals(2, MomentApply.run(ck, plan, dir.resolve("moments-out"), options));
            }
            try (Checkpoint out = Checkpoint.open(dir.resolve("moments-out"))) {
                var mt = out.tensor("q.exp_avg");
                var vt = out.tensor("q.exp_avg_sq");
                for (int i = 0; i < 12; i++) {
                    for (int j = 0; j < 6; j++) {
                        int e = i * 6 + j;
                        double rc = r[i] * c[j];
                        assertEquals((float) (m[e] / rc), mt.data().getAtIndex(dev.wisca.io.Elements.F32, e));
                        assertEquals((float) (v[e] / (rc * rc)), vt.data().getAtIndex(dev.wisca.io.Elements.F32, e),
                            Math.ulp((float) (v[e] / (rc * rc))));
                    }
                }
                double[] kept = new double[other.length];
                for (int e = 0; e < kept.length; e++) kept[e] = out.tensor("untouched.exp_avg").data().getAtIndex(dev.wisca.io.Elements.F32, e);
                assertArrayEquals(other, kept);
            }
        }
    }
}
