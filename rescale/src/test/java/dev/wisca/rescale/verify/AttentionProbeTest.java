package dev.wisca.rescale.verify;

import dev.wisca.io.Dtype;
import dev.wisca.rescale.forward.Rope;
import dev.wisca.rescale.spec.RopePairing;
import dev.wisca.rescale.synth.TinyModels;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The probe arithmetic against plain loops over the tiny model's values. */
class AttentionProbeTest {
    @Test
    void scoreAtPositionZeroIsTheNormedQueryKeyDotProduct() {
        Tiny t = new Tiny(TinyModels.build(ProbeVerifierTest.LIBRARY.get("llama").orElseThrow(), "default", 8));
        int hidden = t.dim("hidden");
        int hd = t.dim("head_dim");
        ProbeVectors probes = new ProbeVectors(42, ProbeVerifier.PROBES);
        var pair = BoundPair.of(ModelInput.of(t.source(Dtype.F64), t.model.config()), ModelInput.of(t.source(Dtype.F64), t.model.config()),
            ProbeVerifierTest.LIBRARY);
        ProbeWeights w = new ProbeWeights(t.source(Dtype.F64), pair.a(), pair.sites(), pair.roundoff());
        List<BlockOutput> out = AttentionProbe.evaluate(w, 1, probes);
        double[] x = probes.vectors("layers.1.x", hidden)[0];
        double[] y = probes.vectors("layers.1.y", hidden)[0];
        double[] g = t.values.get(t.binding.tensorName("attn_norm", 1, -1).orElseThrow());
        double[] q = t.values.get(t.binding.tensorName("q", 1, -1).orElseThrow());
        double[] k = t.values.get(t.binding.tensorName("k", 1, -1).orElseThrow());
        int head = 3;
        int kvHead = head / (t.dim("heads") / t.dim("kv_heads"));
        double expected = 0;
        for (int d = 0; d < hd; d++) {
            double qd = 0;
            double kd = 0;
            for (int i = 0; i < hidden; i++) {
                qd += q[(head * hd + d) * hidden + i] * g[i] * x[i];
                kd += k[(kvHead * hd + d) * hidden + i] * g[i] * y[i];
            }
            expected += qd * kd;
        }
        BlockOutput score = out.stream().filter(b -> b.block().equals("layers.1.qk head 3")).findFirst().orElseThrow();
        assertEquals(expected, score.value()[0], 1e-9 * Math.abs(expected));
    }

    @Test
    void ropeRotatesHalfPairsByPositionTimesFrequency() {
        Noisy r = ProbeMath.rotate(Noisy.exact(new double[] {1, 2, 3, 4, 5}), Rope.of(4, 100, null), RopePairing.ROTATE_HALF, 3);
        double a0 = 3;
        double a1 = 3 * Math.pow(100, -0.5);
        assertEquals(1 * Math.cos(a0) - 3 * Math.sin(a0), r.value()[0], 1e-12);
        assertEquals(3 * Math.cos(a0) + 1 * Math.sin(a0), r.value()[2], 1e-12);
        assertEquals(2 * Math.cos(a1) - 4 * Math.sin(a1), r.value()[1], 1e-12);
        assertEquals(4 * Math.cos(a1) + 2 * Math.sin(a1), r.value()[3], 1e-12);
        assertEquals(5, r.value()[4]);
    }

    @Test
    void linearVarianceIsUSquaredOverThreeTimesSquaredTerms() {
        Tiny t = new Tiny(TinyModels.build(ProbeVerifierTest.LIBRARY.get("llama").orElseThrow(), "default", 8));
        var pair = BoundPair.of(ModelInput.of(t.source(Dtype.BF16), t.model.config()), ModelInput.of(t.source(Dtype.F32), t.model.config()),
            ProbeVerifierTest.LIBRARY);
        String name = t.binding.tensorName("down", 0, -1).orElseThrow();
        double u = pair.roundoff().of(name);
        assertEquals(Math.scalb(1.0, -8) + Math.scalb(1.0, -24), u);
        StoredMatrix m = StoredMatrix.of(t.source(Dtype.F64), t.binding.role("down", 0).orElseThrow(), -1);
        double[] x = new double[Math.toIntExact(m.cols())];
        for (int i = 0; i < x.length; i++) x[i] = i % 3 - 1;
        Noisy y = ProbeMath.linear(m, new Noisy[] {Noisy.exact(x)}, u)[0];
        double[] w = t.values.get(name);
        double var = 0;
        for (int j = 0; j < x.length; j++) var += u * u / 3 * Math.pow(w[5 * x.length + j] * x[j], 2);
        assertEquals(var, y.variance()[5], 1e-12 * var);
    }
}
