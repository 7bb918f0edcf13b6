package dev.wisca.io.hf;

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
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    @TempDir Path dir;

    private static final List<TensorSpec> SPECS = List.of(
        new TensorSpec("model.embed_tokens.weight", Dtype.BF16, new long[] {8, 4}),
        new TensorSpec("model.layers.0.mlp.up_proj.weight", Dtype.F32, new long[] {4, 4}),
        new TensorSpec("model.layers.0.step", Dtype.I64, new long[] {}),
        new TensorSpec("lm_head.weight", Dtype.BF16, new long[] {8, 4}));

    @Test
    void opensASingleFile() {
        Map<String, byte[]> data = Fixtures.randomData(SPECS, 1);
        Path file = dir.resolve("weights.safetensors");
        Fixtures.writeFile(file, SPECS, data);
        try (Checkpoint cp = Checkpoint.open(file)) {
            assertEquals(Path.of(file.toAbsolutePath().toString()), cp.file().orElseThrow());
            assertEquals("weights", cp.baseName());
            assertEquals(List.of(cp.file().get()), cp.shards());
            assertEquals(List.of(), cp.sideFiles());
            assertSameTensors(data, cp);
        }
    }

    @Test
    void opensAShardedFolderAsOneCollection() throws Exception {
        Map<String, byte[]> data = Fixtures.randomData(SPECS, 2);
        Fixtures.writeCheckpoint(dir, "model", SPECS, data, 100);
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"llama\", \"num_hidden_layers\": 1}");
        Files.writeString(dir.resolve("tokenizer.json"), "{}");
        Files.createDirectory(dir.resolve("subfolder"));
        try (Checkpoint cp = Checkpoint.open(dir)) {
            assertEquals(List.of(dir.resolve("model-00001-of-00003.safetensors"), dir.resolve("model-00002-of-00003.safetensors"),
                dir.resolve("model-00003-of-00003.safetensors")), cp.shards());
            assertEquals(dir.resolve("model-00002-of-00003.safetensors"), cp.shardOf("model.layers.0.mlp.up_proj.weight"));
            assertEquals(dir.resolve("model-00003-of-00003.safetensors"), cp.shardOf("lm_head.weight"));
            // Shard by shard, each in file order (I64 before F32 within the second shard).
            assertEquals(List.of("model.embed_tokens.weight", "model.layers.0.step", "model.layers.0.mlp.up_proj.weight", "lm_head.weight"),
                cp.tensors().stream().map(TensorInfo::name).toList());
            assertEquals("llama", cp.configJson().orElseThrow().get("model_type").asText());
            assertEquals(List.of(dir.resolve("config.json"), dir.resolve("tokenizer.json")), cp.sideFiles());
            assertEquals(Map.of("format", "pt"), cp.metadata());
            assertTrue(cp.index().isPresent());
            assertFalse(cp.isAdapter());
            assertSameTensors(data, cp);
            try (Checkpoint viaIndex = Checkpoint.open(dir.resolve("model.safetensors.index.json"))) {
                assertEquals(cp.shards(), viaIndex.shards());
                assertEquals(cp.sideFiles(), viaIndex.sideFiles());
            }
            assertEquals(ErrorKind.TENSOR_NOT_FOUND, assertThrows(WiscaException.class, () -> cp.tensor("missing")).kind());
            assertTrue(cp.find("missing").isEmpty());
        }
    }

    @Test
    void opensASingleShardFolderAndAnAdapterFolder() throws Exception {
        Map<String, byte[]> data = Fixtures.randomData(SPECS, 3);
        Path model = Files.createDirectory(dir.resolve("model"));
        Fixtures.writeCheckpoint(model, "model", SPECS, data, 1L << 30);
        try (Checkpoint cp = Checkpoint.open(model)) {
            assertEquals(List.of(model.resolve("model.safetensors")), cp.shards());
            assertTrue(cp.index().isEmpty());
            assertTrue(cp.configJson().isEmpty());
            assertSameTensors(data, cp);
        }
        Path adapter = Files.createDirectory(dir.resolve("adapter"));
        Fixtures.writeCheckpoint(adapter, "adapter_model", SPECS, data, 1L << 30);
        Files.writeString(adapter.resolve("adapter_config.json"), "{\"peft_type\":\"LORA\"}");
        try (Checkpoint cp = Checkpoint.open(adapter)) {
            assertTrue(cp.isAdapter());
            assertEquals("adapter_model", cp.baseName());
            assertEquals(List.of(adapter.resolve("adapter_config.json")), cp.sideFiles());
            assertSameTensors(data, cp);
        }
    }

    @Test
    void readsAnIndexWithoutMetadata() throws Exception {
        Map<String, byte[]> data = Fixtures.randomData(SPECS, 4);
        Fixtures.writeCheckpoint(dir, "model", SPECS, data, 100);
        String text = Files.readString(dir.resolve("model.safetensors.index.json"));
        Files.writeString(dir.resolve("model.safetensors.index.json"), text.replaceAll("(?s)\"metadata\": \\{.*?},", ""));
        try (Checkpoint cp = Checkpoint.open(dir)) {
            assertTrue(cp.index().orElseThrow().totalSize().isEmpty());
            assertSameTensors(data, cp);
        }
    }

    @Test
    void rejectsAnIndexPointingAtAMissingShard() throws Exception {
        Fixtures.writeCheckpoint(dir, "model", SPECS, Fixtures.randomData(SPECS, 5), 100);
        Files.delete(dir.resolve("model-00002-of-00003.safetensors"));
        WiscaException e = assertThrows(WiscaException.class, () -> Checkpoint.open(dir));
        assertEquals(ErrorKind.INVALID_INDEX, e.kind());
        assertTrue(e.getMessage().contains("model-00002-of-00003.safetensors"), e.getMessage());
    }

    @Test
    void rejectsAnIndexListingATensorItsShardLacks() throws Exception {
        Fixtures.writeCheckpoint(dir, "model", SPECS, Fixtures.randomData(SPECS, 6), 100);
        rewriteIndex(text -> text.replace("\"lm_head.weight\": \"model-00003", "\"lm_head.weight\": \"model-00001"));
        WiscaException e = assertThrows(WiscaException.class, () -> Checkpoint.open(dir));
        assertEquals(ErrorKind.INVALID_INDEX, e.kind());
        assertEquals("lm_head.weight", e.tensor().orElseThrow());
    }

    @Test
    void rejectsAShardTensorTheIndexDoesNotList() throws Exception {
        Fixtures.writeCheckpoint(dir, "model", SPECS, Fixtures.randomData(SPECS, 7), 100);
        rewriteIndex(text -> text.replace(",\n    \"model.layers.0.step\": \"model-00002-of-00003.safetensors\"", ""));
        WiscaException e = assertThrows(WiscaException.class, () -> Checkpoint.open(dir));
        assertEquals(ErrorKind.INVALID_INDEX, e.kind());
        assertEquals("model.layers.0.step", e.tensor().orElseThrow());
    }

    @Test
    void rejectsATensorStoredInTwoShards() throws Exception {
        List<TensorSpec> one = List.of(new TensorSpec("a", Dtype.F32, new long[] {2}));
        List<TensorSpec> two = List.of(new TensorSpec("a", Dtype.F32, new long[] {2}), new TensorSpec("b", Dtype.F32, new long[] {2}));
        Fixtures.writeFile(dir.resolve("model-00001-of-00002.safetensors"), one, Fixtures.randomData(one, 1));
        Fixtures.writeFile(dir.resolve("model-00002-of-00002.safetensors"), two, Fixtures.randomData(two, 2));
        Files.writeString(dir.resolve("model.safetensors.index.json"),
            "{\"weight_map\": {\"a\": \"model-00001-of-00002.safetensors\", \"b\": \"model-00002-of-00002.safetensors\"}}");
        WiscaException e = assertThrows(WiscaException.class, () -> Checkpoint.open(dir));
        assertEquals(ErrorKind.DUPLICATE_TENSOR, e.kind());
        assertEquals("a", e.tensor().orElseThrow());
    }

    @Test
    void rejectsFoldersWithoutWeightsAndBadConfig() throws Exception {
        assertEquals(ErrorKind.INVALID_ARGUMENT, assertThrows(WiscaException.class, () -> Checkpoint.open(dir)).kind());
        assertEquals(ErrorKind.IO, assertThrows(WiscaException.class, () -> Checkpoint.open(dir.resolve("nope"))).kind());
        Fixtures.writeCheckpoint(dir, "model", SPECS, Fixtures.randomData(SPECS, 8), 1L << 20);
        Files.writeString(dir.resolve("config.json"), "{not json");
        try (Checkpoint cp = Checkpoint.open(dir)) {
            assertEquals(ErrorKind.INVALID_CONFIG, assertThrows(WiscaException.class, cp::configJson).kind());
        }
    }

    private void rewriteIndex(java.util.function.UnaryOperator<String> edit) throws Exception {
        Path index = dir.resolve("model.safetensors.index.json");
        String before = Files.readString(index);
        String after = edit.apply(before);
        assertFalse(before.equals(after), "the edit must change the index");
        Files.writeString(index, after);
    }

    static void assertSameTensors(Map<String, byte[]> expected, Checkpoint cp) {
        assertEquals(expected.keySet(), cp.tensors().stream().map(TensorInfo::name).collect(java.util.stream.Collectors.toSet()));
        for (Map.Entry<String, byte[]> e : expected.entrySet()) {
            assertArrayEquals(e.getValue(), cp.tensor(e.getKey()).data().toArray(ValueLayout.JAVA_BYTE), e.getKey());
        }
    }
}
