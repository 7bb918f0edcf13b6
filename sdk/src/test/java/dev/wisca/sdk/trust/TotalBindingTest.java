package dev.wisca.sdk.trust;

import dev.wisca.sdk.ModelInternals;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.rescale.spec.ModelBinding;
import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.sdk.Model;
import dev.wisca.sdk.SampleCheckpoints;
import dev.wisca.sdk.Wisca;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Binding is total (issue 11 §1): every tensor of a checkpoint is bound to a role or listed by the spec
 * as passthrough. Real transformers checkpoints of every family bind with every tensor claimed; buffers
 * older transformers versions saved (rotary inv_freq, GPT-2's attention mask) are accepted; a tensor the
 * spec does not know is refused naming the tensor and its file.
 */
class TotalBindingTest {
    /** Every built-in family transformers can build (all of them). */
    static final List<String> FAMILIES = List.of("llama", "mistral", "qwen2", "qwen3", "phi3", "gemma", "gemma2", "gpt2",
        "gpt_neox", "falcon", "mixtral", "qwen2_moe", "qwen3_moe", "stablelm", "starcoder2",
        "granite",
        "phi",
        "cohere",
        "olmo2",
        "gemma3_text",
        "gpt_oss",
        "deepseek_v3",
        "bert",
        "roberta",
        "llama4_text");
    /** Families whose task heads (masked-LM head, pooler, classifier) are claimed by the spec's passthrough list. */
    static final List<String> ENCODERS = List.of("bert", "roberta");
    /** Variants of a family (another config or task model, hf_checkpoint.py VARIANTS) → the family they bind as. */
    static final Map<String, String> VARIANTS = variants(
        "stablelm_qk_layernorm", "stablelm",
        "bert_pretraining", "bert",
        "bert_sequence_classification", "bert",
        "bert_legacy_gamma_beta", "bert",
        "roberta_sequence_classification", "roberta",
        "roberta_token_classification", "roberta",
        "bert_question_answering", "bert",
        "qwen2_moe_sparse_step", "qwen2_moe",
        "qwen3_moe_mlp_only_layers", "qwen3_moe");

    @Test
    void transformersCheckpointsOfEveryFamilyBindWithEveryTensorClaimed(@TempDir Path dir) {
        assertEquals(new TreeSet<>(SpecLibrary.builtin().modelTypes()), new TreeSet<>(FAMILIES), "a family is untested");
        HfCheckpoints.write(dir, FAMILIES);
        for (String family : FAMILIES) {
            try (Model model = Wisca.open(dir.resolve(family))) {
                assertEquals(family, model.architecture());
            }
            try (Checkpoint c = Checkpoint.open(dir.resolve(family))) {
                ModelBinding b = ModelBinding.bind(SpecLibrary.builtin().get(family).orElseThrow(), c.configJson().orElseThrow(), c.tensors());
                // transformers 5 writes no buffers: every stored tensor is a role's, except an encoder's passed-through task heads
                long heads = c.tensors().stream().filter(t -> b.passedThrough(t.name())).count();
                assertEquals(c.tensors().size(), b.tensors().size() + heads, family + ": every tensor bound to a role or a head");
                assertEquals(ENCODERS.contains(family), heads > 0, family + ": only encoders pass task heads through");
            }
        }
    }

    @Test
    void transformersCheckpointsOfFamilyVariantsBindWithEveryTensorClaimed(@TempDir Path dir) {
        HfCheckpoints.write(dir, List.copyOf(VARIANTS.keySet()));
        for (Map.Entry<String, String> v : VARIANTS.entrySet()) {
            String family = v.getValue();
            try (Model model = Wisca.open(dir.resolve(v.getKey()))) {
                assertEquals(family, model.architecture(), v.getKey());
            }
            try (Checkpoint c = Checkpoint.open(dir.resolve(v.getKey()))) {
                ModelBinding b = ModelBinding.bind(SpecLibrary.builtin().get(family).orElseThrow(), c.configJson().orElseThrow(), c.tensors());
                long heads = c.tensors().stream().filter(t -> b.passedThrough(t.name())).count();
                assertEquals(c.tensors().size(), b.tensors().size() + heads, v.getKey() + ": every tensor bound to a role or a head");
                assertEquals(ENCODERS.contains(family), heads > 0, v.getKey() + ": only encoders pass task heads through");
            }
        }
    }

    private static Map<String, String> variants(String... variantThenFamily) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < variantThenFamily.length; i += 2) out.put(variantThenFamily[i], variantThenFamily[i + 1]);
        return out;
    }

    @Test
    void buffersOlderTransformersSavedArePassedThrough(@TempDir Path dir) {
        HfCheckpoints.write(dir.resolve("rotary"), List.of("llama", "qwen2"), "--extra", "model.layers.0.self_attn.rotary_emb.inv_freq",
            "model.layers.1.self_attn.rotary_emb.inv_freq");
        HfCheckpoints.write(dir.resolve("mask"), List.of("gpt2"), "--extra", "transformer.h.0.attn.bias", "transformer.h.1.attn.masked_bias");
        for (Path p : List.of(dir.resolve("rotary/llama"), dir.resolve("rotary/qwen2"), dir.resolve("mask/gpt2"))) {
            try (Model model = Wisca.open(p)) {
                assertTrue(ModelInternals.sites(model, dev.wisca.rescale.graph.SiteOptions.paper()).sites().size() >= 4, p.toString());
            }
        }
    }

    @Test
    void anExtraTensorIsRefusedNamingTensorAndFile(@TempDir Path dir) {
        HfCheckpoints.write(dir, List.of("llama"), "--extra", "model.layers.0.input_layernorm.bias");
        WiscaException e = assertThrows(WiscaException.class, () -> Wisca.open(dir.resolve("llama")));
        assertEquals(ErrorKind.UNCLAIMED_TENSOR, e.kind());
        assertEquals("model.layers.0.input_layernorm.bias", e.tensor().orElseThrow());
        assertEquals(dir.resolve("llama").resolve("model.safetensors"), e.path().orElseThrow());
        // a buffer name for a layer the model does not have is not a buffer
        HfCheckpoints.write(dir.resolve("deep"), List.of("llama"), "--extra", "model.layers.7.self_attn.rotary_emb.inv_freq");
        WiscaException deep = assertThrows(WiscaException.class, () -> Wisca.open(dir.resolve("deep/llama")));
        assertEquals(ErrorKind.UNCLAIMED_TENSOR, deep.kind());
    }

    @Test
    void everySampleCheckpointStillBinds(@TempDir Path dir) {
        for (String family : SampleCheckpoints.modelTypes()) {
            try (Model model = Wisca.open(SampleCheckpoints.write(family, dir.resolve(family), 3))) {
                assertEquals(family, model.architecture());
            }
        }
    }
}
