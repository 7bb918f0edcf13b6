package dev.wisca.rescale.verify;

import dev.wisca.io.Dtype;
import dev.wisca.rescale.graph.Granularity;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.synth.TinyModel;
import dev.wisca.rescale.synth.TinyModels;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hand-made wrong transforms, each of which must be reported as not equivalent with the first
 * offending block in the right layer; each would pass if it were a correct transform (the
 * positive tests show the same model with a correct transform verifies).
 */
class WrongTransformsTest {
    static Tiny model(String type, String example) {
        return new Tiny(TinyModels.build(ProbeVerifierTest.LIBRARY.get(type).orElseThrow(), example, 3));
    }

    static void assertCaught(Tiny a, Tiny b, String blockPrefix) {
        VerifyReport r = ProbeVerifierTest.verify(a, Dtype.F32, b, Dtype.F32);
        assertFalse(r.equivalent(), "not caught: " + r.summary());
        assertEquals(1, r.exitCode());
        String first = r.firstOffending().orElseThrow().block();
        assertTrue(first.startsWith(blockPrefix), "first offending " + first + ", expected " + blockPrefix + "…; " + r.summary());
        assertTrue(r.summary().startsWith("NOT EQUIVALENT") && r.summary().contains(first), r.summary());
    }

    @Test
    void gateScaledLikeUpIsCaught() {
        Tiny a = model("llama", "default");
        Tiny b = a.copy();
        for (long i = 0; i < b.rows("gate", 1); i++) {
            double s = 1 + 0.1 * (i % 7);
            b.scaleRoleRow("gate", 1, -1, i, s);
            b.scaleRoleCol("down", 1, -1, i, 1 / s);
        }
        assertCaught(a, b, "layers.1.mlp");
    }

    @Test
    void gateScaledInsideFusedGateUpIsCaught() {
        Tiny a = model("phi3", "default");
        Tiny b = a.copy();
        for (long i = 0; i < b.rows("gate", 0); i++) {
            b.scaleRoleRow("gate", 0, -1, i, 2);
            b.scaleRoleCol("down", 0, -1, i, 0.5);
        }
        assertCaught(a, b, "layers.0.mlp");
    }

    @Test
    void oneExpertsGateScaledIsCaughtAtThatExpert() {
        Tiny a = model("mixtral", "fused_experts");
        Tiny b = a.copy();
        for (long i = 0; i < b.rows("gate", 1); i++) {
            b.scaleRoleRow("gate", 1, 2, i, 1.5);
            b.scaleRoleCol("down", 1, 2, i, 1 / 1.5);
        }
        assertCaught(a, b, "layers.1.experts.2.mlp");
    }

    @Test
    void kScaledWithoutQIsCaught() {
        Tiny a = model("llama", "default");
        Tiny b = a.copy();
        for (long i = 0; i < b.rows("k", 1); i++) b.scaleRoleRow("k", 1, -1, i, 1.25);
        assertCaught(a, b, "layers.1.qk head");
    }

    @Test
    void kScaledWithoutQInGpt2Conv1DIsCaught() {
        Tiny a = model("gpt2", "default");
        Tiny b = a.copy();
        for (long i = 0; i < b.rows("k", 0); i++) b.scaleRoleRow("k", 0, -1, i, 0.75);
        assertCaught(a, b, "layers.0.qk head");
    }

    @Test
    void kScaledWithoutQInNeoxInterleavedQkvIsCaught() {
        Tiny a = model("gpt_neox", "default");
        Tiny b = a.copy();
        for (long i = 0; i < b.rows("k", 1); i++) b.scaleRoleRow("k", 1, -1, i, 1.5);
        assertCaught(a, b, "layers.1.qk head");
    }

    @Test
    void ropePairsSplitIsCaught() {
        Tiny a = model("llama", "default");
        Tiny b = a.copy();
        int hd = b.dim("head_dim");
        int rot = b.binding.rotaryDims();
        int heads = b.dim("heads");
        int group = heads / b.dim("kv_heads");
        // Per-dim scales that are NOT tied across (d, d + rot/2): exact without RoPE, wrong with it.
        double[] s = new double[hd];
        for (int d = 0; d < hd; d++) s[d] = d < rot / 2 ? 2.0 : 0.5;
        for (int h = 0; h < heads; h++) {
            for (int d = 0; d < hd; d++) b.scaleRoleRow("q", 0, -1, (long) h * hd + d, s[d]);
        }
        for (int j = 0; j < heads / group; j++) {
            for (int d = 0; d < hd; d++) b.scaleRoleRow("k", 0, -1, (long) j * hd + d, 1 / s[d]);
        }
        assertCaught(a, b, "layers.0.qk head");
    }

    @Test
    void gqaGroupShiftedByOneHeadIsCaught() {
        Tiny a = model("llama", "default");
        Tiny b = a.copy();
        int hd = b.dim("head_dim");
        int heads = b.dim("heads");
        int kv = b.dim("kv_heads");
        int group = heads / kv;
        double[] s = {2.0, 0.5};
        for (int j = 0; j < kv; j++) {
            for (int d = 0; d < hd; d++) b.scaleRoleRow("k", 1, -1, (long) j * hd + d, 1 / s[j]);
        }
        for (int h = 0; h < heads; h++) {
            int wrongGroup = ((h + 1) % heads) / group;
            for (int d = 0; d < hd; d++) b.scaleRoleRow("q", 1, -1, (long) h * hd + d, s[wrongGroup]);
        }
        assertCaught(a, b, "layers.1.qk head");
    }

    @Test
    void gqaGroupShiftedInValueOutputIsCaught() {
        Tiny a = model("llama", "default");
        Tiny b = a.copy();
        int hd = b.dim("head_dim");
        int heads = b.dim("heads");
        int kv = b.dim("kv_heads");
        int group = heads / kv;
        double[] s = {2.0, 0.5};
        for (int j = 0; j < kv; j++) {
            for (int d = 0; d < hd; d++) b.scaleRoleRow("v", 0, -1, (long) j * hd + d, s[j]);
        }
        for (int h = 0; h < heads; h++) {
            int wrongGroup = ((h + 1) % heads) / group;
            for (int d = 0; d < hd; d++) b.scaleRoleCol("o", 0, -1, (long) h * hd + d, 1 / s[wrongGroup]);
        }
        assertCaught(a, b, "layers.0.vo head");
    }

    @Test
    void qBiasForgottenIsCaught() {
        Tiny a = model("qwen2", "default");
        Tiny b = a.copy();
        double s = 1.5;
        for (long i = 0; i < b.rows("q", 1); i++) b.scaleRoleRow("q", 1, -1, i, s);
        for (long i = 0; i < b.rows("k", 1); i++) {
            b.scaleRoleRow("k", 1, -1, i, 1 / s);
            b.scaleRoleRow("k_bias", 1, -1, i, 1 / s);
        }
        assertCaught(a, b, "layers.1.qk head");
    }

    @Test
    void vBiasForgottenIsCaught() {
        Tiny a = model("qwen2", "default");
        Tiny b = a.copy();
        for (long i = 0; i < b.rows("v", 0); i++) b.scaleRoleRow("v", 0, -1, i, 2);
        for (long i = 0; i < b.cols("o", 0); i++) b.scaleRoleCol("o", 0, -1, i, 0.5);
        assertCaught(a, b, "layers.0.vo head");
    }

    @Test
    void normFoldedIntoTheWrongLinearIsCaught() {
        Tiny a = model("llama", "default");
        Tiny b = a.copy();
        for (long i = 0; i < b.rows("attn_norm", 1); i++) {
            double s = 1 + 0.05 * (i % 5);
            b.scaleRoleRow("attn_norm", 1, -1, i, 1 / s);
            b.scaleRoleCol("gate", 1, -1, i, s);
            b.scaleRoleCol("up", 1, -1, i, s);
        }
        assertCaught(a, b, "layers.1.qk head");
    }

    @Test
    void layerNormBiasLeftOutOfAFoldIsCaught() {
        Tiny a = model("gpt2", "default");
        Tiny b = a.copy();
        for (long i = 0; i < b.rows("mlp_norm", 0); i++) {
            b.scaleRoleRow("mlp_norm", 0, -1, i, 0.5);
            b.scaleRoleCol("up", 0, -1, i, 2);
        }
        assertCaught(a, b, "layers.0.mlp");
    }

    @Test
    void qkNormGainsUntiedAcrossRopePairsAreCaught() {
        Tiny a = model("qwen3", "default");
        Tiny b = a.copy();
        int rot = b.binding.rotaryDims();
        for (long d = 0; d < rot / 2; d++) {
            b.scaleRoleRow("q_norm", 1, -1, d, 2);
            b.scaleRoleRow("k_norm", 1, -1, d, 0.5);
        }
        assertCaught(a, b, "layers.1.qk head");
    }

    @Test
    void anUntouchedTensorChangedIsNamed() {
        Tiny a = model("llama", "default");
        Tiny b = a.copy();
        String embed = b.binding.tensorName("embed", -1, -1).orElseThrow();
        b.values.get(embed)[17] += 1e-3;
        VerifyReport r = ProbeVerifierTest.verify(a, Dtype.F32, b, Dtype.F32);
        assertFalse(r.equivalent(), r.summary());
        BlockResult first = r.firstOffending().orElseThrow();
        assertEquals(UntouchedCheck.BLOCK, first.block());
        assertTrue(first.detail().startsWith(embed), first.detail());
    }

    @Test
    void aCorrectKvGroupRescaleOfTheSameModelPasses() {
        Tiny a = model("llama", "default");
        Tiny b = Rescales.real(a, Granularity.KV_GROUP, 1, s -> s.pair() == Pair.QK || s.pair() == Pair.VO);
        assertTrue(ProbeVerifierTest.verify(a, Dtype.F32, b, Dtype.F32).equivalent());
    }
}
