package dev.wisca.rescale.forward.djl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wisca.io.Dtype;
import dev.wisca.io.TensorSource;
import dev.wisca.rescale.forward.Logits;
import dev.wisca.rescale.forward.ModelSource;
import dev.wisca.rescale.forward.ProbeInputs;
import dev.wisca.rescale.forward.ReferenceForward;
import dev.wisca.rescale.forward.TestModels;
import dev.wisca.rescale.spec.ModelBinding;
import dev.wisca.rescale.synth.TinyAdapter;
import dev.wisca.rescale.synth.TinyModel;
import dev.wisca.rescale.synth.TinyModel.TinyTensor;
import dev.wisca.rescale.synth.TinyModels;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import static dev.wisca.rescale.forward.TestModels.assertClose;
import static dev.wisca.rescale.forward.TestModels.relativeDiff;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Config variants and adapters: DJL against the reference, and the variant against an explicit rewrite. */
@Tag("slow")
class ForwardCasesTest {
    private static final int[][] TOKENS = ProbeInputs.tokens(128, 7);

    @Test
    void loraAdapterEqualsWeightsMergedByHand() {
        for (boolean rslora : new boolean[] {false, true}) {
            TinyAdapter adapter = TinyModels.lora(TestModels.LIBRARY, 3);
            ObjectNode adapterConfig = adapter.adapterConfig().deepCopy();
            adapterConfig.put("use_rslora", rslora);
            adapter = new TinyAdapter(adapter.base(), adapterConfig, adapter.tensors());
            ModelSource withAdapter = TestModels.source(adapter, Dtype.F32);
            ModelSource merged = TestModels.source(mergeByHand(adapter, rslora), Dtype.F64);
            ModelSource base = TestModels.source(adapter.base(), Dtype.F32);
            Logits expected = reference(merged);
            assertClose(expected, reference(withAdapter), 1e-12, "reference with adapter, rslora " + rslora);
            try (DjlForward djl = DjlForward.open(withAdapter)) {
                assertClose(expected, djl.logits(TOKENS), 1e-9, "DJL with adapter, rslora " + rslora);
            }
            assertTrue(relativeDiff(expected, reference(base)) > 1e-3, "the adapter must change the logits");
        }
    }

    /** W + s·B·A in the test's own loops, s = alpha / r (or / √r), r and alpha from the example's config. */
    private static TinyModel mergeByHand(TinyAdapter adapter, boolean rslora) {
        JsonNode cfg = adapter.adapterConfig();
        Map<String, double[]> byName = new HashMap<>();
        for (TinyTensor t : adapter.tensors()) byName.put(t.name(), TestModels.stored(t.values(), Dtype.F32));
        List<TinyTensor> out = new ArrayList<>();
        int changed = 0;
        for (TinyTensor t : adapter.base().tensors()) {
            double[] w = TestModels.stored(t.values(), Dtype.F32);
            String module = "base_model.model." + t.name().replace(".weight", "");
            double[] a = byName.get(module + ".lora_A.weight");
            if (a != null) {
                double[] b = byName.get(module + ".lora_B.weight");
                int rows = (int) t.shape()[0];
                int cols = (int) t.shape()[1];
                int r = a.length / cols;
                int configured = module.endsWith("v_proj") ? cfg.path("rank_pattern").path("v_proj").asInt() : cfg.path("r").asInt();
                assertTrue(r == configured, module + " rank");
                double s = cfg.path("lora_alpha").asDouble() / (rslora ? Math.sqrt(r) : r);
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < cols; j++) {
                        for (int k = 0; k < r; k++) w[i * cols + j] += s * b[i * r + k] * a[k * cols + j];
                    }
                }
                changed++;
            }
            out.add(new TinyTensor(t.spec(), w));
        }
        assertTrue(changed >= 6, "adapter covers the target modules of every layer");
        return new TinyModel(adapter.base().spec(), adapter.base().example(), adapter.base().config(), out);
    }

    @Test
    void linearRopeScalingBitesAndMatches() {
        configVariant("llama", "default", c -> c.putObject("rope_scaling").put("rope_type", "linear").put("factor", 4.0));
    }

    @Test
    void llama3RopeScalingBitesAndMatches() {
        // original context 8 with wavelengths 2π/θ^(-2i/d) spanning it, so all three llama3 bands occur
        configVariant("llama", "default", c -> c.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 8.0)
            .put("low_freq_factor", 1.0).put("high_freq_factor", 4.0).put("original_max_position_embeddings", 8));
    }

    @Test
    void v5RopeParametersAreRead() {
        configVariant("llama", "default", c -> {
            c.remove("rope_theta");
            c.putObject("rope_parameters").put("rope_type", "linear").put("factor", 2.0).put("rope_theta", 500.0);
        });
    }

    @Test
    void gemma2SoftcapsBite() {
        configVariant("gemma2", "default", c -> c.put("attn_logit_softcapping", 0.5).put("final_logit_softcapping", 2.0));
        ModelSource capped = variant("gemma2", "default", c -> c.put("final_logit_softcapping", 2.0));
        for (double v : reference(capped).values()) assertTrue(Math.abs(v) < 2.0, "final logits stay inside the cap");
    }

    @Test
    void tiedHeadIsTheEmbedding() {
        TinyModel model = TestModels.model("llama", "default", 21);
        ModelSource untied = TestModels.source(model, Dtype.F32);
        ModelSource tied = variant("llama", "default", c -> c.put("tie_word_embeddings", true));
        Map<String, TinyTensor> byName = model.byName();
        List<TinyTensor> copied = new ArrayList<>();
        for (TinyTensor t : model.tensors()) {
            boolean head = t.name().equals("lm_head.weight");
            copied.add(head ? new TinyTensor(t.spec(), byName.get("model.embed_tokens.weight").values()) : t);
        }
        ModelSource untiedCopy = TestModels.source(new TinyModel(model.spec(), model.example(), model.config(), copied), Dtype.F32);
        Logits expected = reference(untiedCopy);
        assertClose(expected, reference(tied), 1e-12, "tied reference = untied with lm_head := embed");
        try (DjlForward djl = DjlForward.open(tied)) {
            assertClose(expected, djl.logits(TOKENS), 1e-9, "tied DJL");
        }
        assertTrue(relativeDiff(expected, reference(untied)) > 1e-3, "the untied head differs");
    }

    @Test
    void narrowAndWideStorageLoadTheSameValues() {
        TinyModel model = TestModels.model("qwen3", "default", 5);
        DjlForwardTest.compare(TestModels.source(model, Dtype.BF16), "qwen3 bf16 storage");
        DjlForwardTest.compare(TestModels.source(model, Dtype.F16), "qwen3 f16 storage");
        DjlForwardTest.compare(TestModels.source(model, Dtype.F64), "qwen3 f64 storage");
        DjlForwardTest.compare(TestModels.source(model, Dtype.F8_E4M3), "qwen3 f8 storage");
    }

    /** The variant matches DJL and the reference, and differs from the unmodified model. */
    private static void configVariant(String type, String example, Consumer<ObjectNode> edit) {
        ModelSource modified = variant(type, example, edit);
        DjlForwardTest.compare(modified, type + " " + modified.config());
        Logits plain = reference(TestModels.source(TestModels.model(type, example, 21), Dtype.F32));
        assertTrue(relativeDiff(plain, reference(modified)) > 1e-4, "the config change must change the logits");
    }

    private static ModelSource variant(String type, String example, Consumer<ObjectNode> edit) {
        TinyModel model = TestModels.model(type, example, 21);
        ObjectNode config = model.config().deepCopy();
        edit.accept(config);
        ModelSource plain = TestModels.source(model, Dtype.F32);
        TensorSource weights = plain.weights();
        return new ModelSource(weights, ModelBinding.bind(model.spec(), config, weights.tensors()), Optional.empty());
    }

    private static Logits reference(ModelSource source) {
        try (ReferenceForward f = ReferenceForward.open(source)) {
            return f.logits(TOKENS);
        }
    }
}
