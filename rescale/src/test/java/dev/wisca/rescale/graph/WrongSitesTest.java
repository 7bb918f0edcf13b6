package dev.wisca.rescale.graph;

import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.synth.TinyModel;
import dev.wisca.rescale.synth.TinyModels;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The equivalence check must catch wrong transforms: each test breaks a correct site in one way
 * the issue names and asserts the reference outputs move. The unbroken site is checked too, so a
 * failure cannot come from the harness.
 */
class WrongSitesTest {
    static final SpecLibrary LIBRARY = SpecLibrary.builtin();

    static TinyModel model(String family, String example) {
        return TinyModels.build(LIBRARY.get(family).orElseThrow(), example, 21);
    }

    static Site site(TinyModel m, Pair pair, Granularity g, String id) {
        SiteSet set = SiteSets.build(m.spec(), m.config(), m.infos(), new SiteOptions(EnumSet.of(pair), g));
        return set.site(id).orElseThrow(() -> new AssertionError("no site " + id + " in " + set.sites().stream().map(Site::id).toList()));
    }

    static void assertCaught(TinyModel m, Site good, UnaryOperator<Site> breakIt) {
        double ok = EquivalenceTest.change(m, List.of(good), 7);
        assertTrue(ok < 1e-10, "correct site changed outputs by " + ok);
        Site bad = breakIt.apply(good);
        double d = EquivalenceTest.change(m, List.of(bad), 7);
        assertTrue(d > 1e-4, "broken site " + bad.id() + " changed outputs only by " + d);
    }

    static Site withMembers(Site s, List<Member> members) {
        return new Site(s.id(), s.pair(), s.layer(), s.channels(), members);
    }

    static Member remap(Member m, int[] channelOf) {
        return new Member(m.tensor(), m.batch(), m.axis(), channelOf, m.exponent(), m.offsetGain());
    }

    @Test
    void catchesAScaledGate() {
        TinyModel m = model("llama", "default");
        assertCaught(m, site(m, Pair.UPDOWN, Granularity.CHANNEL, "layers.0.updown"), s -> {
            List<Member> ms = new ArrayList<>(s.members());
            Member up = s.producers().get(0);
            ms.add(new Member(up.tensor().replace("up_proj", "gate_proj"), -1, Axis.ROWS, up.channelOf(), 1, false));
            return withMembers(s, ms);
        });
    }

    @Test
    void catchesKScaledWithoutQ() {
        TinyModel m = model("llama", "default");
        assertCaught(m, site(m, Pair.QK, Granularity.TENSOR, "layers.1.qk"), s -> withMembers(s, s.consumers()));
    }

    @Test
    void catchesSplitRopePairs() {
        TinyModel m = model("llama", "default");
        int hd = 16;
        assertCaught(m, site(m, Pair.QK, Granularity.CHANNEL, "layers.0.qk"), s -> {
            // one channel per head dim: d and d + rot/2 no longer share a scale
            List<Member> ms = new ArrayList<>();
            for (Member x : s.members()) {
                int[] map = new int[x.length()];
                int heads = x.length() / hd;
                for (int i = 0; i < map.length; i++) map[i] = ((i / hd) / (heads / 2)) * hd + i % hd;
                ms.add(remap(x, map));
            }
            return new Site(s.id(), s.pair(), s.layer(), 2 * hd, ms);
        });
    }

    @Test
    void catchesGqaGroupShiftedByOneHead() {
        TinyModel m = model("llama", "default");
        int hd = 16;
        assertCaught(m, site(m, Pair.QK, Granularity.KV_GROUP, "layers.0.qk"), s -> withMembers(s, s.members().stream().map(x -> {
            if (!x.isProducer()) return x;
            int[] map = new int[x.length()];
            for (int i = 0; i < map.length; i++) map[i] = ((i / hd + 1) / 2) % 2;
            return remap(x, map);
        }).toList()));
    }

    @Test
    void catchesAForgottenBias() {
        TinyModel m = model("qwen2", "default");
        assertCaught(m, site(m, Pair.QK, Granularity.KV_GROUP, "layers.0.qk"),
            s -> withMembers(s, s.members().stream().filter(x -> !x.tensor().endsWith("q_proj.bias")).toList()));
        assertCaught(m, site(m, Pair.VO, Granularity.CHANNEL, "layers.1.vo"),
            s -> withMembers(s, s.members().stream().filter(x -> !x.tensor().endsWith("v_proj.bias")).toList()));
        TinyModel gpt2 = model("gpt2", "default");
        assertCaught(gpt2, site(gpt2, Pair.NORM, Granularity.CHANNEL, "layers.0.input_norm"),
            s -> withMembers(s, s.members().stream().filter(x -> !x.tensor().endsWith("ln_1.bias")).toList()));
    }

    @Test
    void catchesANormFoldedIntoTheWrongLinear() {
        TinyModel m = model("llama", "default");
        assertCaught(m, site(m, Pair.NORM, Granularity.CHANNEL, "layers.0.post_attention_norm"), s -> withMembers(s, s.members().stream()
            .map(x -> x.isProducer() ? new Member(x.tensor().replace("mlp.gate_proj", "self_attn.q_proj").replace("mlp.up_proj", "self_attn.k_proj"),
                -1, Axis.COLS, x.channelOf(), 1, false) : x).toList()));
    }

    @Test
    void catchesAnOffsetNormScaledAsPlainGain() {
        TinyModel m = model("gemma", "default");
        assertCaught(m, site(m, Pair.NORM, Granularity.CHANNEL, "layers.0.input_norm"), s -> withMembers(s, s.members().stream()
            .map(x -> x.offsetGain() ? new Member(x.tensor(), x.batch(), x.axis(), x.channelOf(), x.exponent(), false) : x).toList()));
    }

    @Test
    void catchesAWrongFusedSliceOffset() {
        TinyModel m = model("phi3", "default");
        assertCaught(m, site(m, Pair.VO, Granularity.CHANNEL, "layers.0.vo"), s -> withMembers(s, s.members().stream().map(x -> {
            if (!x.isProducer()) return x;
            int[] map = x.channelOf();
            int[] shifted = new int[map.length];
            for (int i = 0; i < map.length; i++) shifted[i] = map[(i + 16) % map.length];
            return remap(x, shifted);
        }).toList()));
    }

    @Test
    void catchesOneExpertScaledWithAnothersDown() {
        TinyModel m = model("mixtral", "fused_experts");
        assertCaught(m, site(m, Pair.UPDOWN, Granularity.CHANNEL, "layers.0.experts.1.updown"), s -> withMembers(s, s.members().stream()
            .map(x -> x.isProducer() ? x : new Member(x.tensor(), 2, x.axis(), x.channelOf(), x.exponent(), false)).toList()));
    }
}
