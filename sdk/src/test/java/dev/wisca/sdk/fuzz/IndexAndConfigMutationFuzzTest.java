package dev.wisca.sdk.fuzz;

import dev.wisca.io.TensorInfo;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.rescale.graph.Granularity;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.sdk.Model;
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
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Sharded checkpoints whose model.safetensors.index.json or config.json is mutated at random: opening,
 * reading every tensor, detecting the architecture and planning either work or fail with a
 * WiscaException; nothing else, no hang, bounded allocation.
 */
@Tag("slow")
class IndexAndConfigMutationFuzzTest {
    static Path work;
    static final List<String> FAMILIES = List.of("llama", "qwen2", "gemma2", "phi3", "gpt2", "qwen3_moe");

    @BeforeContainer
    static void writeCheckpoints() throws IOException {
        work = Files.createTempDirectory("wisca-index-fuzz");
        for (String family : FAMILIES) {
            Path single = SampleCheckpoints.write(family, work.resolve(family + "-single"), 4);
            Wisca.reshard(single, work.resolve(family), 16 << 10);
        }
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        try (var files = Files.walk(work)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    @Provide
    Arbitrary<String> families() {
        return Arbitraries.of(FAMILIES);
    }

    @Provide
    Arbitrary<List<JsonMutation>> mutations() {
        return JsonMutation.mutations();
    }

    @Property(tries = 300)
    void mutatedIndexOpensOrIsAWiscaException(@ForAll("families") String family, @ForAll("mutations") List<JsonMutation> mutations)
            throws IOException {
        Path folder = mutatedCopy(family, "model.safetensors.index.json", mutations);
        Statistics.label("outcome").collect(Fuzzing.outcome(() -> readEverything(folder)));
        Statistics.label("outcome").coverage(c -> {
            c.check("ok").count(n -> n > 0);
            c.check("InvalidIndex").count(n -> n > 0);
        });
    }

    @Property(tries = 300)
    void mutatedConfigPlansOrIsAWiscaException(@ForAll("families") String family, @ForAll("mutations") List<JsonMutation> mutations)
            throws IOException {
        Path folder = mutatedCopy(family, "config.json", mutations);
        Statistics.label("outcome").collect(Fuzzing.outcome(() -> {
            try (Model model = Wisca.open(folder)) {
                return model.plan(RescaleSettings.paper().withParallelism(1).withPairs(Pair.QK, Pair.VO, Pair.UPDOWN, Pair.NORM)
                    .withGranularity(Granularity.KV_GROUP));
            }
        }));
        Statistics.label("outcome").coverage(c -> {
            c.check("ok").count(n -> n > 0);
            c.check("InvalidConfig").count(n -> n > 0);
        });
    }

    private static long readEverything(Path folder) {
        long bytes = 0;
        try (Checkpoint c = Checkpoint.open(folder)) {
            for (TensorInfo t : c.tensors()) bytes += c.tensor(t.name()).data().byteSize();
            c.configJson();
        }
        return bytes;
    }

    /** A copy of the family's sharded checkpoint (shards hard-linked, they are only read) with {@code file} mutated. */
    private static Path mutatedCopy(String family, String file, List<JsonMutation> mutations) throws IOException {
        Path source = work.resolve(family);
        Path copy = Files.createTempDirectory(work, family);
        try (var entries = Files.list(source)) {
            for (Path p : entries.toList()) {
                Path target = copy.resolve(p.getFileName().toString());
                if (p.getFileName().toString().endsWith(".json")) Files.copy(p, target);
                else Files.createLink(target, p);
            }
        }
        byte[] json = Files.readAllBytes(copy.resolve(file));
        for (JsonMutation m : mutations) json = m.apply(json);
        Files.write(copy.resolve(file), json);
        return copy;
    }
}
