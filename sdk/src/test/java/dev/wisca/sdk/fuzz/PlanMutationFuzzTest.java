package dev.wisca.sdk.fuzz;

import dev.wisca.io.hf.Overwrite;
import dev.wisca.rescale.plan.PlanStore;
import dev.wisca.sdk.Model;
import dev.wisca.sdk.RescalePlan;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.sdk.SampleCheckpoints;
import dev.wisca.sdk.Wisca;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Saved plans mutated at random, plan.json (structurally and as text) or plan.safetensors (as bytes):
 * loading, and applying to the checkpoint it was made for, either works or fails with a WiscaException;
 * nothing else, no hang, bounded allocation.
 */
@Tag("slow")
class PlanMutationFuzzTest {
    static Path work;
    static Path checkpoint;
    static byte[] planJson;
    static byte[] planVectors;

    @BeforeContainer
    static void savePlan() throws IOException {
        work = Files.createTempDirectory("wisca-plan-fuzz");
        checkpoint = SampleCheckpoints.write("qwen2", work.resolve("ckpt"), 3);
        try (Model model = Wisca.open(checkpoint)) {
            RescaleSettings settings = RescaleSettings.paper().withParallelism(1)
                .withPairs(dev.wisca.rescale.graph.Pair.QK, dev.wisca.rescale.graph.Pair.VO, dev.wisca.rescale.graph.Pair.UPDOWN)
                .withGranularity(dev.wisca.rescale.graph.Granularity.KV_GROUP);
            model.plan(settings).save(work.resolve("plan"), Overwrite.NEVER);
        }
        planJson = Files.readAllBytes(work.resolve("plan").resolve(PlanStore.JSON));
        planVectors = Files.readAllBytes(work.resolve("plan").resolve(PlanStore.VECTORS));
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        try (var files = Files.walk(work)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    @Provide
    Arbitrary<List<JsonMutation>> jsonMutations() {
        return JsonMutation.mutations();
    }

    @Provide
    Arbitrary<List<ByteMutation>> byteMutations() {
        return ByteMutation.mutations();
    }

    @Property(tries = 400)
    void mutatedPlanJsonLoadsOrIsAWiscaException(@ForAll("jsonMutations") List<JsonMutation> mutations) throws IOException {
        byte[] json = planJson;
        for (JsonMutation m : mutations) json = m.apply(json);
        record(tryPlan(json, planVectors));
    }

    @Property(tries = 400)
    void mutatedPlanVectorsLoadOrAreAWiscaException(@ForAll("byteMutations") List<ByteMutation> mutations) throws IOException {
        byte[] vectors = planVectors;
        for (ByteMutation m : mutations) vectors = m.apply(vectors);
        record(tryPlan(planJson, vectors));
    }

    private static void record(String outcome) {
        Statistics.label("outcome").collect(outcome);
        Statistics.label("outcome").coverage(c -> {
            c.check("ok").count(n -> n > 0);
            c.check("InvalidPlan").count(n -> n > 0);
        });
    }

    private static String tryPlan(byte[] json, byte[] vectors) throws IOException {
        Path plan = Files.createTempDirectory(work, "plan");
        Files.write(plan.resolve(PlanStore.JSON), json);
        Files.write(plan.resolve(PlanStore.VECTORS), vectors);
        return Fuzzing.outcome(() -> {
            try (Model model = Wisca.open(checkpoint)) {
                model.apply(RescalePlan.load(plan).withSettings(RescaleSettings.paper().withParallelism(1)), plan.resolve("out"));
            }
            return null;
        });
    }
}
