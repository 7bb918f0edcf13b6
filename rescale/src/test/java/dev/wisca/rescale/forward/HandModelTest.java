package dev.wisca.rescale.forward;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wisca.io.Dtype;
import dev.wisca.io.TensorSpec;
import dev.wisca.rescale.fixtures.MemorySource;
import dev.wisca.rescale.spec.ModelBinding;
import dev.wisca.rescale.spec.SpecReader;
import dev.wisca.rescale.synth.TinyModel.TinyTensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A one-layer llama small enough to run by hand: q = k = 0 (uniform attention over the prefix),
 * v = o = identity, MLP down = 0, unit norms, lm_head = identity.
 */
class HandModelTest {
    @Test
    void oneLayerLlamaByHand() {
        ObjectNode config = SpecReader.mapper().createObjectNode().put("model_type", "llama").put("hidden_size", 2)
            .put("num_attention_heads", 1).put("num_key_value_heads", 1).put("num_hidden_layers", 1)
            .put("intermediate_size", 1).put("vocab_size", 2).put("rms_norm_eps", 0.0).put("rope_theta", 10000.0);
        double[] id = {1, 0, 0, 1};
        List<TinyTensor> tensors = List.of(
            t("model.embed_tokens.weight", new double[] {1, 0, 0, 2}, 2, 2),
            t("model.norm.weight", new double[] {1, 1}, 2),
            t("lm_head.weight", id, 2, 2),
            t("model.layers.0.input_layernorm.weight", new double[] {1, 1}, 2),
            t("model.layers.0.self_attn.q_proj.weight", new double[4], 2, 2),
            t("model.layers.0.self_attn.k_proj.weight", new double[4], 2, 2),
            t("model.layers.0.self_attn.v_proj.weight", id, 2, 2),
            t("model.layers.0.self_attn.o_proj.weight", id, 2, 2),
            t("model.layers.0.post_attention_layernorm.weight", new double[] {1, 1}, 2),
            t("model.layers.0.mlp.gate_proj.weight", new double[] {1, 1}, 1, 2),
            t("model.layers.0.mlp.up_proj.weight", new double[] {1, 1}, 1, 2),
            t("model.layers.0.mlp.down_proj.weight", new double[2], 2, 1));
        MemorySource weights = MemorySource.of(tensors, Dtype.F64);
        ModelSource source = new ModelSource(weights, ModelBinding.bind(TestModels.LIBRARY.get("llama").orElseThrow(), config,
            weights.tensors()), Optional.empty());
        Logits logits = ReferenceForward.open(source).logits(new int[][] {{0, 1}});
        // rmsnorm([1, 0]) = [√2, 0], rmsnorm([0, 2]) = [0, √2]
        double r2 = Math.sqrt(2);
        // t = 0: h = [1 + √2, 0] → rmsnorm = [√2, 0]
        assertEquals(r2, logits.get(0, 0, 0), 1e-15);
        assertEquals(0, logits.get(0, 0, 1), 1e-15);
        // t = 1: h = [0, 2] + ([√2, 0] + [0, √2]) / 2 = [√2/2, 2 + √2/2]
        double a = r2 / 2;
        double b = 2 + r2 / 2;
        double rms = Math.sqrt((a * a + b * b) / 2);
        assertEquals(a / rms, logits.get(0, 1, 0), 1e-15);
        assertEquals(b / rms, logits.get(0, 1, 1), 1e-15);
    }

    private static TinyTensor t(String name, double[] values, long... shape) {
        return new TinyTensor(new TensorSpec(name, Dtype.F64, shape), values);
    }
}
