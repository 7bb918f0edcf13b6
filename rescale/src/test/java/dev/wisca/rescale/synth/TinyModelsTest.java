package dev.wisca.rescale.synth;

import dev.wisca.io.Elements;
import dev.wisca.io.Tensor;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.io.SafetensorsFile;
import dev.wisca.rescale.spec.ArchSpec;
import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.spec.SpecReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TinyModelsTest {
    static final SpecLibrary LIBRARY = SpecLibrary.builtin();

    @Test
    void normGainsAndBiasesAreRandomNotOnesOrZeros() {
        for (TinyModel m : TinyModels.all(LIBRARY, 1)) {
            for (TinyModel.TinyTensor t : m.tensors()) {
                long distinct = Arrays.stream(t.values()).distinct().count();
                assertTrue(distinct > t.values().length / 2, m + " " + t.name() + " looks constant");
                assertTrue(Arrays.stream(t.values()).noneMatch(x -> x == 0 || x == 1), m + " " + t.name());
            }
        }
    }

    @Test
    void sameSeedSameModelAndExpectedTensors() {
        ArchSpec qwen = LIBRARY.get("qwen2_moe").orElseThrow();
        TinyModel a = TinyModels.build(qwen, "default", 7), b = TinyModels.build(qwen, "default", 7);
        assertEquals(a.tensors().size(), b.tensors().size());
        for (int i = 0; i < a.tensors().size(); i++) assertArrayEquals(a.tensors().get(i).values(), b.tensors().get(i).values());
        assertTrue(a.byName().containsKey("model.layers.1.mlp.experts.3.down_proj.weight"));
        assertArrayEquals(new long[] {1, 64}, a.byName().get("model.layers.0.mlp.shared_expert_gate.weight").shape());
        TinyModel fused = TinyModels.build(qwen, "fused_experts", 7);
        assertArrayEquals(new long[] {4, 96, 64}, fused.byName().get("model.layers.0.mlp.experts.gate_up_proj").shape());
        assertTrue(!fused.byName().containsKey("model.layers.0.mlp.experts.0.up_proj.weight"));
    }

    @Test
    void writesAHuggingFaceFolderThatReadsBackExactly(@TempDir Path dir) throws java.io.IOException {
        TinyModel m = TinyModels.build(LIBRARY.get("gemma").orElseThrow(), "default", 3);
        TinyModelFiles.write(m, dir);
        try (Checkpoint c = Checkpoint.open(dir)) {
            assertEquals("gemma", c.configJson().orElseThrow().get("model_type").asText());
        }
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            assertEquals(m.tensors().size(), f.tensors().size());
            for (TinyModel.TinyTensor t : m.tensors()) {
                Tensor x = f.tensor(t.name());
                for (int i = 0; i < t.values().length; i++) assertEquals(t.values()[i], x.data().get(Elements.F32, 4L * i), t.name());
            }
        }
        TinyAdapter adapter = TinyModels.lora(LIBRARY, 2);
        Path ad = dir.resolve("adapter");
        TinyModelFiles.writeAdapter(adapter, ad);
        try (SafetensorsFile f = SafetensorsFile.open(ad.resolve("adapter_model.safetensors"))) {
            assertEquals(adapter.tensors().size(), f.tensors().size());
        }
        assertEquals(4, SpecReader.tree(java.nio.file.Files.newInputStream(ad.resolve("adapter_config.json")), ad, dev.wisca.io.ErrorKind.INVALID_CONFIG).get("r").asInt());
    }
}
