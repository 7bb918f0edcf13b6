package dev.wisca.rescale.graph;

import dev.wisca.rescale.fixtures.SiteScaling;
import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.synth.TinyModel;
import dev.wisca.rescale.synth.TinyModels;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The strongest check: every shipped architecture's tiny model, every pair and granularity, random
 * per-channel scales applied to the derived sites, and the affected blocks recomputed in f64 by an
 * independent reference — outputs must not change.
 */
class EquivalenceTest {
    static final SpecLibrary LIBRARY = SpecLibrary.builtin();
    static final EnumSet<Pair> ALL = EnumSet.of(Pair.QK, Pair.VO, Pair.UPDOWN, Pair.NORM, Pair.QKNORM);

    static double relativeDifference(double[] a, double[] b) {
        assertEquals(a.length, b.length);
        double max = 0, scale = 1e-300;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.abs(a[i]));
        }
        return max / scale;
    }

    /** Relative change of the reference outputs when {@code sites} are applied with random scales. */
    static double change(TinyModel m, List<Site> sites, long seed) {
        Map<String, long[]> shapes = SiteScaling.shapes(m);
        Map<String, double[]> before = SiteScaling.values(m);
        Map<String, double[]> after = SiteScaling.values(m);
        SiteScaling.apply(after, shapes, sites, SiteScaling.randomScales(sites, seed));
        String family = m.spec().name();
        double[] x = Reference.outputs(Reference.extract(family, m.config(), before, shapes), 99);
        double[] y = Reference.outputs(Reference.extract(family, m.config(), after, shapes), 99);
        return relativeDifference(x, y);
    }

    @Test
    void everyArchitecturePairAndGranularityPreservesOutputs() {
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (TinyModel m : TinyModels.all(LIBRARY, 11)) {
            for (Granularity g : Granularity.values()) {
                for (Pair p : ALL) {
                    SiteSet set = SiteSets.build(m.spec(), m.config(), m.infos(), new SiteOptions(EnumSet.of(p), g));
                    if (set.sites().isEmpty()) continue;
                    double d = change(m, set.sites(), 5 + g.ordinal());
                    checked++;
                    if (!(d < 1e-10)) failures.add(m + " " + p + " " + g + ": relative change " + d);
                }
                SiteSet all = SiteSets.build(m.spec(), m.config(), m.infos(), new SiteOptions(ALL, g));
                double d = change(m, all.sites(), 17);
                if (!(d < 1e-10)) failures.add(m + " all pairs " + g + ": relative change " + d);
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        assertTrue(checked > 100, "checked " + checked);
    }

    @Test
    void scalesActuallyMoveTheWeights() {
        TinyModel m = TinyModels.build(LIBRARY.get("llama").orElseThrow(), "default", 3);
        SiteSet set = SiteSets.build(m.spec(), m.config(), m.infos(), new SiteOptions(ALL, Granularity.CHANNEL));
        Map<String, double[]> after = SiteScaling.values(m);
        SiteScaling.apply(after, SiteScaling.shapes(m), set.sites(), SiteScaling.randomScales(set.sites(), 1));
        Map<String, double[]> before = SiteScaling.values(m);
        for (String t : List.of("model.layers.0.self_attn.q_proj.weight", "model.layers.1.mlp.down_proj.weight", "model.layers.0.input_layernorm.weight")) {
            assertTrue(relativeDifference(before.get(t), after.get(t)) > 0.01, t);
        }
    }

    @Test
    void everyModelHasTheSitesTheDesignTableAsksFor() {
        for (TinyModel m : TinyModels.all(LIBRARY, 1)) {
            SiteSet set = SiteSets.build(m.spec(), m.config(), m.infos(), new SiteOptions(ALL, Granularity.CHANNEL));
            // QK-norm models (Qwen 3, OLMo 2, Gemma 3; Phi's qk_layernorm, Cohere's use_qk_norm): the q/k row scale is
            // normalized away, the gains pair instead
            boolean qkNorm = m.spec().name().startsWith("qwen3") || m.config().path("qk_layernorm").asBoolean(false)
                || m.config().path("use_qk_norm").asBoolean(false) || m.spec().name().equals("olmo2") || m.spec().name().equals("gemma3_text");
            // DeepSeek's latent attention has two Q/K sites per layer: the per-head no-RoPE part and the shared RoPE key
            int qkPerLayer = m.spec().name().equals("deepseek_v3") ? 2 : 1;
            if (m.spec().name().equals("llama4_text")) {
                // Llama 4 (4 layers): a weightless L2 norm (use_qk_norm) in the RoPE layers 0-2 leaves Q/K only in NoPE layer 3,
                // and there are no gains to pair instead
                assertEquals(1, set.ofPair(Pair.QK).size(), m.toString());
                assertTrue(set.ofPair(Pair.QKNORM).isEmpty(), m.toString());
                assertEquals(4, set.ofPair(Pair.VO).size(), m.toString());
                // dense MLP in layers 0 and 2; 4 routed experts and the shared expert in layers 1 and 3
                assertEquals(2 + 2 * 5, set.ofPair(Pair.UPDOWN).size(), m.toString());
                continue;
            }
            assertEquals(2 * qkPerLayer, set.ofPair(qkNorm ? Pair.QKNORM : Pair.QK).size(), m.toString());
            assertEquals(2, set.ofPair(Pair.VO).size(), m.toString());
            // post-LayerNorm encoders (BERT): every norm's output is the residual stream itself, so no norm folds;
            // a post-norm family (OLMo 2) with tied embeddings has no foldable norm at all
            boolean encoder = m.spec().forward().map(f -> f.encoder() != null).orElse(false);
            boolean foldableNorm = m.spec().roles().contains("attn_norm") || !m.config().path("tie_word_embeddings").asBoolean(false);
            if (encoder) assertTrue(set.ofPair(Pair.NORM).isEmpty(), m.toString());
            else assertFalse(foldableNorm && set.ofPair(Pair.NORM).isEmpty(), m.toString());
            // gpt-oss's clamped SwiGLU ((clamp(up) + 1) · glu) is gated but has no up/down symmetry
            boolean updown = m.spec().mlpKind().gated() && !m.spec().name().equals("gpt_oss");
            assertEquals(updown, !set.ofPair(Pair.UPDOWN).isEmpty(), m.toString());
        }
    }
}
