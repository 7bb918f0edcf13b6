package dev.wisca.rescale.graph;

import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.synth.TinyModel;
import dev.wisca.rescale.synth.TinyModels;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.function.IntUnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Site layouts against index maps enumerated independently here, one family quirk at a time. */
class SiteStructureTest {
    static final SpecLibrary LIBRARY = SpecLibrary.builtin();

    static SiteSet sites(String family, String example, Granularity g, Pair... pairs) {
        TinyModel m = TinyModels.build(LIBRARY.get(family).orElseThrow(), example, 1);
        return SiteSets.build(m.spec(), m.config(), m.infos(), new SiteOptions(EnumSet.of(pairs[0], pairs), g));
    }

    static Member member(Site s, String tensorSuffix, int exponent) {
        return s.members().stream().filter(m -> m.tensor().endsWith(tensorSuffix) && m.exponent() == exponent).findFirst()
            .orElseThrow(() -> new AssertionError("no member " + tensorSuffix + " in " + s.members()));
    }

    /** Asserts channelOf[i] == expected(i) for every i (expected -1 = untouched). */
    static void assertMap(Member m, int length, IntUnaryOperator expected) {
        assertEquals(length, m.length(), m.toString());
        for (int i = 0; i < length; i++) assertEquals(expected.applyAsInt(i), m.channel(i), m + " index " + i);
    }

    @Test
    void llamaKvGroupMapsQueryHeadsToTheirKvHead() {
        Site s = sites("llama", "default", Granularity.KV_GROUP, Pair.QK).site("layers.1.qk").orElseThrow();
        assertEquals(2, s.channels());
        assertMap(member(s, "q_proj.weight", 1), 64, r -> (r / 16) / 2);
        assertMap(member(s, "k_proj.weight", -1), 32, r -> r / 16);
        assertEquals(Axis.ROWS, member(s, "q_proj.weight", 1).axis());
    }

    @Test
    void llamaChannelTiesRopePairsAndSharesThemAcrossTheGroup() {
        Site s = sites("llama", "default", Granularity.CHANNEL, Pair.QK).site("layers.0.qk").orElseThrow();
        assertEquals(2 * 8, s.channels());
        assertMap(member(s, "q_proj.weight", 1), 64, r -> (r / 16 / 2) * 8 + (r % 16) % 8);
        assertMap(member(s, "k_proj.weight", -1), 32, r -> (r / 16) * 8 + (r % 16) % 8);
    }

    @Test
    void partialRotaryLeavesTheRestFreeAndBiasesFollowTheirRows() {
        // kv_heads 1, rot = 16 * 0.5 = 8: pairs (d, d+4) for d < 4, dims 8..15 free -> 12 channels
        Site s = sites("llama", "bias_partial_rotary", Granularity.CHANNEL, Pair.QK).site("layers.0.qk").orElseThrow();
        IntUnaryOperator dim = d -> d < 8 ? d % 4 : d - 4;
        assertEquals(12, s.channels());
        assertMap(member(s, "q_proj.weight", 1), 64, r -> dim.applyAsInt(r % 16));
        assertMap(member(s, "q_proj.bias", 1), 64, r -> dim.applyAsInt(r % 16));
        assertMap(member(s, "k_proj.bias", -1), 16, r -> dim.applyAsInt(r));
        assertEquals(Axis.ROWS, member(s, "q_proj.bias", 1).axis());
    }

    @Test
    void voScalesVRowsAgainstOColumnsOfEveryHeadInTheGroup() {
        Site s = sites("llama", "default", Granularity.CHANNEL, Pair.VO).site("layers.0.vo").orElseThrow();
        assertEquals(32, s.channels());
        assertMap(member(s, "v_proj.weight", 1), 32, r -> r);
        Member o = member(s, "o_proj.weight", -1);
        assertEquals(Axis.COLS, o.axis());
        assertMap(o, 64, c -> (c / 16 / 2) * 16 + c % 16);
        Site t = sites("llama", "default", Granularity.TENSOR, Pair.VO).site("layers.0.vo").orElseThrow();
        assertEquals(1, t.channels());
        assertMap(member(t, "o_proj.weight", -1), 64, c -> 0);
    }

    @Test
    void phi3SlicesTheFusedTensorsByOffset() {
        SiteSet set = sites("phi3", "default", Granularity.KV_GROUP, Pair.QK, Pair.VO, Pair.UPDOWN, Pair.NORM);
        Site qk = set.site("layers.0.qk").orElseThrow();
        // rows: Q 0..63 (4 heads), K 64..95, V 96..127
        assertMap(member(qk, "qkv_proj.weight", 1), 128, r -> r < 64 ? (r / 16) / 2 : -1);
        assertMap(member(qk, "qkv_proj.weight", -1), 128, r -> r >= 64 && r < 96 ? (r - 64) / 16 : -1);
        Site vo = set.site("layers.0.vo").orElseThrow();
        assertMap(member(vo, "qkv_proj.weight", 1), 128, r -> r >= 96 ? (r - 96) / 16 : -1);
        Site ud = set.site("layers.1.updown").orElseThrow();
        assertMap(member(ud, "gate_up_proj.weight", 1), 192, r -> r >= 96 ? r - 96 : -1);
        Site norm = set.site("layers.0.input_norm").orElseThrow();
        assertEquals(2, norm.members().size(), "fused q/k/v columns are one member: " + norm.members());
        assertMap(member(norm, "qkv_proj.weight", 1), 64, c -> c);
    }

    @Test
    void neoxInterleavesHeadsInTheFusedRows() {
        Site qk = sites("gpt_neox", "default", Granularity.CHANNEL, Pair.QK).site("layers.0.qk").orElseThrow();
        // rot = 16 * 0.5 = 8; row = h*48 + part*16 + d
        IntUnaryOperator dim = d -> d < 8 ? d % 4 : d - 4;
        assertMap(member(qk, "query_key_value.weight", 1), 192, r -> (r % 48) / 16 == 0 ? (r / 48) * 12 + dim.applyAsInt(r % 16) : -1);
        assertMap(member(qk, "query_key_value.weight", -1), 192, r -> (r % 48) / 16 == 1 ? (r / 48) * 12 + dim.applyAsInt(r % 16) : -1);
        assertMap(member(qk, "query_key_value.bias", 1), 192, r -> (r % 48) / 16 == 0 ? (r / 48) * 12 + dim.applyAsInt(r % 16) : -1);
    }

    @Test
    void gpt2Conv1DPutsLogicalRowsOnStoredColumns() {
        SiteSet set = sites("gpt2", "default", Granularity.KV_GROUP, Pair.QK, Pair.VO, Pair.NORM, Pair.UPDOWN);
        Site qk = set.site("layers.0.qk").orElseThrow();
        Member q = member(qk, "c_attn.weight", 1);
        assertEquals(Axis.COLS, q.axis());
        assertMap(q, 192, c -> c < 64 ? c / 16 : -1);
        assertMap(member(qk, "c_attn.weight", -1), 192, c -> c >= 64 && c < 128 ? (c - 64) / 16 : -1);
        assertMap(member(qk, "c_attn.bias", -1), 192, c -> c >= 64 && c < 128 ? (c - 64) / 16 : -1);
        Member o = member(set.site("layers.0.vo").orElseThrow(), "attn.c_proj.weight", -1);
        assertEquals(Axis.ROWS, o.axis());
        Site norm = set.site("layers.1.input_norm").orElseThrow();
        assertEquals(Axis.ROWS, member(norm, "c_attn.weight", 1).axis());
        assertMap(member(norm, "ln_1.bias", -1), 64, c -> c);
        assertEquals(List.of("ungated GELU MLP has no up/down symmetry"),
            set.skipped().stream().filter(k -> k.pair() == Pair.UPDOWN).map(SkippedSite::reason).distinct().toList());
        assertTrue(set.skipped().stream().anyMatch(k -> k.id().equals("final_norm") && k.reason().contains("tied embedding")));
    }

    @Test
    void falconLayoutsFollowTheConfigFlags() {
        // new_decoder_architecture: per KV group [q1, q2, k, v], 4 heads, 2 groups, hd 16
        Site nd = sites("falcon", "new_decoder_architecture", Granularity.KV_GROUP, Pair.QK, Pair.VO).site("layers.0.qk").orElseThrow();
        assertMap(member(nd, "query_key_value.weight", 1), 128, r -> r % 64 < 32 ? r / 64 : -1);
        assertMap(member(nd, "query_key_value.weight", -1), 128, r -> r % 64 >= 32 && r % 64 < 48 ? r / 64 : -1);
        // multi_query: [Q (64) | k (16) | v (16)], one KV head
        SiteSet mq = sites("falcon", "multi_query", Granularity.CHANNEL, Pair.QK, Pair.VO, Pair.NORM);
        assertMap(member(mq.site("layers.0.qk").orElseThrow(), "query_key_value.weight", -1), 96, r -> r >= 64 && r < 80 ? (r - 64) % 8 : -1);
        assertMap(member(mq.site("layers.0.vo").orElseThrow(), "query_key_value.weight", 1), 96, r -> r >= 80 ? r - 80 : -1);
        Site input = mq.site("layers.0.input_norm").orElseThrow();
        assertTrue(input.members().stream().anyMatch(m -> m.tensor().endsWith("dense_h_to_4h.weight")), "parallel attention: one LN feeds both branches");
        // per head [q | k | v] interleaved, with biases and a separate post-attention norm
        SiteSet ph = sites("falcon", "per_head", Granularity.KV_GROUP, Pair.QK, Pair.NORM);
        assertMap(member(ph.site("layers.0.qk").orElseThrow(), "query_key_value.bias", 1), 192, r -> (r % 48) < 16 ? r / 48 : -1);
        assertTrue(ph.site("layers.0.mlp_norm").isPresent());
    }

    @Test
    void moeSitesRepeatPerExpertAndFusedTensorsUseBatch() {
        SiteSet fused = sites("mixtral", "fused_experts", Granularity.CHANNEL, Pair.UPDOWN, Pair.NORM);
        Site e2 = fused.site("layers.1.experts.2.updown").orElseThrow();
        Member up = member(e2, "gate_up_proj", 1);
        assertEquals(2, up.batch());
        assertMap(up, 192, r -> r >= 96 ? r - 96 : -1);
        assertEquals(2, member(e2, "down_proj", -1).batch());
        assertEquals(Axis.COLS, member(e2, "down_proj", -1).axis());
        Site norm = fused.site("layers.0.post_attention_norm").orElseThrow();
        assertEquals(1 + 1 + 4, norm.members().size(), norm.members().toString());
        SiteSet per = sites("qwen2_moe", "default", Granularity.CHANNEL, Pair.UPDOWN, Pair.NORM);
        assertEquals(2 * (4 + 1), per.ofPair(Pair.UPDOWN).size());
        assertTrue(per.site("layers.0.shared_expert.updown").isPresent());
        assertEquals(-1, member(per.site("layers.0.experts.3.updown").orElseThrow(), "experts.3.up_proj.weight", 1).batch());
        Site perNorm = per.site("layers.1.post_attention_norm").orElseThrow();
        assertEquals(1 + 1 + 4 * 2 + 2 + 1, perNorm.members().size());
        assertTrue(perNorm.members().stream().anyMatch(m -> m.tensor().endsWith("shared_expert_gate.weight") && m.axis() == Axis.COLS));
    }

    @Test
    void qkNormModelsScaleTheNormGainsAndSayWhy() {
        SiteSet set = sites("qwen3", "default", Granularity.CHANNEL, Pair.QK);
        assertTrue(set.ofPair(Pair.QK).isEmpty());
        Site s = set.site("layers.0.qk_norm").orElseThrow();
        assertEquals(Pair.QKNORM, s.pair());
        assertEquals(12, s.channels());
        assertMap(member(s, "q_norm.weight", 1), 24, d -> d % 12);
        assertTrue(set.skipped().stream().anyMatch(k -> k.id().equals("layers.0.qk") && k.reason().contains("QK-norm")));
    }

    @Test
    void offsetNormsAreFlaggedAndPostNormsSkipped() {
        SiteSet set = sites("gemma2", "default", Granularity.CHANNEL, Pair.NORM);
        Site in = set.site("layers.0.input_norm").orElseThrow();
        assertTrue(member(in, "input_layernorm.weight", -1).offsetGain());
        assertFalse(member(in, "q_proj.weight", 1).offsetGain());
        assertTrue(set.site("layers.0.pre_feedforward_norm").isPresent());
        assertTrue(set.skipped().stream().anyMatch(k -> k.id().equals("layers.1.post_feedforward_norm") && k.reason().contains("not foldable")));
        assertTrue(set.skipped().stream().anyMatch(k -> k.id().equals("final_norm") && k.reason().contains("tied")));
    }

    @Test
    void untiedFinalNormFoldsIntoLmHead() {
        Site s = sites("llama", "default", Granularity.CHANNEL, Pair.NORM).site("final_norm").orElseThrow();
        assertEquals(-1, s.layer());
        assertMap(member(s, "lm_head.weight", 1), 64, c -> c);
    }

    @Test
    void noSiteEverTouchesAnEmbedding() {
        for (TinyModel m : TinyModels.all(LIBRARY, 1)) {
            SiteSet set = SiteSets.build(m.spec(), m.config(), m.infos(),
                new SiteOptions(EnumSet.allOf(Pair.class), Granularity.CHANNEL));
            for (Site s : set.sites()) {
                for (Member x : s.members()) {
                    assertFalse(x.tensor().contains("embed_tokens") || x.tensor().contains("embed_in") || x.tensor().contains("wte") || x.tensor().contains("word_embeddings"), s.id() + " " + x);
                }
            }
        }
    }
}
