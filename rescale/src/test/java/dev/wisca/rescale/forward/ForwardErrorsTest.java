package dev.wisca.rescale.forward;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.spec.ModelBinding;
import dev.wisca.rescale.synth.TinyAdapter;
import dev.wisca.rescale.synth.TinyModel;
import dev.wisca.rescale.synth.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.Optional;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad configs and inputs fail with the right kind and a message that says what to do. */
class ForwardErrorsTest {
    @Test
    void rejectsFalconAlibi() {
        WiscaException e = kind(ErrorKind.INVALID_CONFIG, () -> open("falcon", "per_head", c -> c.put("alibi", true)));
        assertTrue(e.getMessage().contains("alibi"), e.getMessage());
    }

    @Test
    void rejectsUnsupportedRopeType() {
        kind(ErrorKind.INVALID_CONFIG, () -> open("llama", "default", c -> c.putObject("rope_scaling").put("rope_type", "yarn").put("factor", 2.0)));
    }

    @Test
    void rejectsBadTokens() {
        ReferenceForward f = open("llama", "default", c -> { });
        kind(ErrorKind.INVALID_ARGUMENT, () -> f.logits(new int[][] {{1, 2}, {3}}));
        kind(ErrorKind.INVALID_ARGUMENT, () -> f.logits(new int[][] {{1, 128}}));
        kind(ErrorKind.INVALID_ARGUMENT, () -> f.logits(new int[][] {{-1}}));
        kind(ErrorKind.INVALID_ARGUMENT, () -> f.logits(new int[0][]));
    }

    @Test
    void rejectsMalformedSlidingWindowConfigs() {
        kind(ErrorKind.INVALID_CONFIG, () -> open("mistral", "default", c -> c.put("sliding_window", 0)));
        kind(ErrorKind.INVALID_CONFIG, () -> open("mistral", "default", c -> c.put("sliding_window", "wide")));
        kind(ErrorKind.INVALID_CONFIG, () -> open("qwen2", "default", c -> {
            c.put("use_sliding_window", true).put("sliding_window", 4);
            c.putArray("layer_types").add("sliding_attention");
        }));
        kind(ErrorKind.INVALID_CONFIG, () -> open("gemma2", "default", c -> c.putArray("layer_types").add("chunked_attention").add("full_attention")));
    }

    /** Llama 4 variants the forward pass does not implement are refused, naming the key. */
    @Test
    void rejectsLlama4ConfigsItCannotCompute() {
        WiscaException chunk = kind(ErrorKind.INVALID_CONFIG, () -> open("llama4_text", "default", c -> c.putNull("attention_chunk_size")));
        assertTrue(chunk.getMessage().contains("attention_chunk_size"), chunk.getMessage());
        WiscaException types = kind(ErrorKind.INVALID_CONFIG, () -> open("llama4_text", "default", c -> c.putArray("layer_types")
            .add("sliding_attention").add("chunked_attention").add("chunked_attention").add("full_attention")));
        assertTrue(types.getMessage().contains("sliding_attention"), types.getMessage());
        WiscaException nope = kind(ErrorKind.INVALID_CONFIG, () -> open("llama4_text", "default", c -> c.putArray("no_rope_layers").add(1).add(0)));
        assertTrue(nope.getMessage().contains("no_rope_layers"), nope.getMessage());
        WiscaException floor = kind(ErrorKind.INVALID_CONFIG, () -> open("llama4_text", "default", c -> c.put("floor_scale", 0)));
        assertTrue(floor.getMessage().contains("floor_scale"), floor.getMessage());
    }

    @Test
    void rejectsDoraAdapters() {
        TinyAdapter adapter = TinyModels.lora(TestModels.LIBRARY, 1);
        ObjectNode config = adapter.adapterConfig().deepCopy();
        config.put("use_dora", true);
        kind(ErrorKind.INVALID_CONFIG, () -> TestModels.source(new TinyAdapter(adapter.base(), config, adapter.tensors()), Dtype.F32));
    }

    @Test
    void probeInputsAreDeterministicAndInRange() {
        int[][] a = ProbeInputs.tokens(50, 3, 16, 9);
        assertEquals(3, a.length);
        assertEquals(16, a[0].length);
        assertTrue(java.util.Arrays.deepEquals(a, ProbeInputs.tokens(50, 3, 16, 9)));
        assertTrue(!java.util.Arrays.deepEquals(a, ProbeInputs.tokens(50, 3, 16, 10)));
        for (int[] s : a) for (int t : s) assertTrue(t >= 0 && t < 50);
    }

    private static ReferenceForward open(String type, String example, Consumer<ObjectNode> edit) {
        TinyModel model = TestModels.model(type, example, 1);
        ObjectNode config = model.config().deepCopy();
        edit.accept(config);
        ModelSource plain = TestModels.source(model, Dtype.F32);
        return ReferenceForward.open(new ModelSource(plain.weights(), ModelBinding.bind(model.spec(), config, plain.weights().tensors()),
            Optional.empty()));
    }

    private static WiscaException kind(ErrorKind kind, Executable run) {
        WiscaException e = assertThrows(WiscaException.class, run);
        assertEquals(kind, e.kind(), e.getMessage());
        return e;
    }
}
