package dev.wisca.io.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.wisca.io.Dtype;
import dev.wisca.io.SafetensorsFile;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.TensorSpec;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointWriterTest {
    @TempDir Path dir;

    private static final List<TensorSpec> SPECS = List.of(
        new TensorSpec("model.embed_tokens.weight", Dtype.BF16, new long[] {8, 4}),
        new TensorSpec("model.layers.0.mlp.up_proj.weight", Dtype.F32, new long[] {4, 4}),
        new TensorSpec("model.layers.0.step", Dtype.I64, new long[] {}),
        new TensorSpec("lm_head.weight", Dtype.BF16, new long[] {8, 4}));

    @Test
    void writesShardsAndTheTransformersIndex() throws Exception {
        Fixtures.writeCheckpoint(dir, "model", SPECS, Fixtures.randomData(SPECS, 1), 100);
        assertEquals(List.of("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors",
            "model.safetensors.index.json"), names(dir));
        // total_size = 64 + 64 + 8 + 64 bytes; total_parameters = 32 + 16 + 1 + 32 elements.
        assertEquals("""
            {
              "metadata": {
                "total_parameters": 81,
                "total_size": 200
              },
              "weight_map": {
                "lm_head.weight": "model-00003-of-00003.safetensors",
                "model.embed_tokens.weight": "model-00001-of-00003.safetensors",
                "model.layers.0.mlp.up_proj.weight": "model-00002-of-00003.safetensors",
                "model.layers.0.step": "model-00002-of-00003.safetensors"
              }
            }
            """, Files.readString(dir.resolve("model.safetensors.index.json")));
        try (SafetensorsFile shard = SafetensorsFile.open(dir.resolve("model-00002-of-00003.safetensors"))) {
            assertEquals(List.of("model.layers.0.step", "model.layers.0.mlp.up_proj.weight"), shard.tensors().stream().map(TensorInfo::name).toList());
            assertEquals(Map.of("format", "pt"), shard.metadata());
        }
    }

    @Test
    void exactFitKeepsTensorsTogether() {
        CheckpointWriter exact = CheckpointWriter.plan(dir, "model", SPECS, 64 + 64 + 8, Map.of());
        assertEquals(List.of(3, 1), exact.shards().stream().map(s -> s.tensors().size()).toList());
        CheckpointWriter oneLess = CheckpointWriter.plan(dir, "model", SPECS, 64 + 64 + 8 - 1, Map.of());
        assertEquals(List.of(2, 2), oneLess.shards().stream().map(s -> s.tensors().size()).toList());
    }

    @Test
    void oneShardIsPlainModelSafetensorsWithoutIndex() {
        Map<String, byte[]> data = Fixtures.randomData(SPECS, 2);
        Fixtures.writeCheckpoint(dir, "model", SPECS, data, ByteSize.DEFAULT_MAX_SHARD_SIZE);
        assertEquals(List.of("model.safetensors"), names(dir));
        try (Checkpoint cp = Checkpoint.open(dir)) {
            CheckpointTest.assertSameTensors(data, cp);
        }
    }

    @Test
    void removesShardsOfAnEarlierSaveButNotOtherFiles() throws Exception {
        Fixtures.writeCheckpoint(dir, "model", SPECS, Fixtures.randomData(SPECS, 3), 100);
        Files.writeString(dir.resolve("config.json"), "{}");
        Files.writeString(dir.resolve("adapter_model.safetensors"), "not ours");
        Map<String, byte[]> data = Fixtures.randomData(SPECS, 4);
        Fixtures.writeCheckpoint(dir, "model", SPECS, data, 140);
        assertEquals(List.of("adapter_model.safetensors", "config.json", "model-00001-of-00002.safetensors",
            "model-00002-of-00002.safetensors", "model.safetensors.index.json"), names(dir));

        Fixtures.writeCheckpoint(dir, "model", SPECS, data, 1000);
        assertEquals(List.of("adapter_model.safetensors", "config.json", "model.safetensors"), names(dir));
        try (Checkpoint cp = Checkpoint.open(dir)) {
            CheckpointTest.assertSameTensors(data, cp);
        }
    }

    @Test
    void aFailingFeedLeavesThePreviousCheckpointReadable() throws Exception {
        Map<String, byte[]> old = Fixtures.randomData(SPECS, 5);
        Fixtures.writeCheckpoint(dir, "model", SPECS, old, 100);
        String oldIndex = Files.readString(dir.resolve("model.safetensors.index.json"));

        RuntimeException boom = new IllegalStateException("source vanished");
        CheckpointWriter writer = CheckpointWriter.plan(dir, "model", SPECS, 140, Map.of());
        RuntimeException thrown = assertThrows(RuntimeException.class, () -> writer.write((spec, w) -> {
            if (spec.name().equals("lm_head.weight")) w.write(spec.name(), (chunk, offset) -> { throw boom; });
            else w.write(spec.name(), MemorySegment.ofArray(new byte[(int) spec.byteLength()]));
        }));
        assertSame(boom, thrown);

        assertEquals(oldIndex, Files.readString(dir.resolve("model.safetensors.index.json")));
        assertEquals(List.of("model-00001-of-00002.safetensors", "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
            "model-00003-of-00003.safetensors", "model.safetensors.index.json"), names(dir));
        try (Checkpoint cp = Checkpoint.open(dir)) {
            CheckpointTest.assertSameTensors(old, cp);
        }
    }

    @Test
    void copiesSideFilesByteForByte() throws Exception {
        Path source = Files.createDirectory(dir.resolve("in"));
        byte[] tokenizer = new byte[200_000];
        new java.util.Random(9).nextBytes(tokenizer);
        Files.write(source.resolve("tokenizer.model"), tokenizer);
        Files.writeString(source.resolve("config.json"), "{\"a\": 1}\n");
        Path out = dir.resolve("out");
        CheckpointWriter writer = CheckpointWriter.plan(out, "model", List.of(), 100, Map.of());
        writer.copySideFiles(SideFiles.list(source));
        assertEquals(List.of("config.json", "tokenizer.model"), names(out));
        assertArrayEquals(tokenizer, Files.readAllBytes(out.resolve("tokenizer.model")));
        assertEquals("{\"a\": 1}\n", Files.readString(out.resolve("config.json")));
    }

    @Test
    void sortsFolderFilesIntoWeightsAndSideFiles() throws Exception {
        for (String name : List.of("config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json", "README.md",
            "adapter_config.json", "training_args.bin", "model.safetensors", "model-00001-of-00002.safetensors",
            "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model-00001-of-00002.bin", "pytorch_model.bin.index.json",
            ".model.safetensors.tmp-0123456789abcdef")) {
            Files.writeString(dir.resolve(name), name);
        }
        Files.createDirectory(dir.resolve("nested"));
        assertEquals(List.of("README.md", "adapter_config.json", "config.json", "generation_config.json", "tokenizer.json",
            "tokenizer_config.json", "training_args.bin"), SideFiles.list(dir).stream().map(p -> p.getFileName().toString()).toList());
        assertEquals(List.of("pytorch_model-00001-of-00002.bin", "pytorch_model.bin", "pytorch_model.bin.index.json"),
            SideFiles.otherWeights(dir).stream().map(p -> p.getFileName().toString()).toList());
    }

    static List<String> names(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
