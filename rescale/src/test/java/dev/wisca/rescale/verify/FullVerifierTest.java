package dev.wisca.rescale.verify;

import dev.wisca.io.WiscaException;
import dev.wisca.io.Dtype;
import dev.wisca.io.TensorSource;
import dev.wisca.io.codec.Codecs;
import dev.wisca.rescale.synth.TinyModels;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Full mode's comparison, measured tolerance and argmax agreement through the plain-Java reference
 * forward pass; and a stand-in forward pass (logits = lm_head · (final_norm ⊙ embed[token]) ·
 * (1 + position/8)) that reads three tensors only, which full mode must refuse rather than certify.
 */
class FullVerifierTest {
    private final Tiny a = new Tiny(TinyModels.build(ProbeVerifierTest.LIBRARY.get("llama").orElseThrow(), "default", 5));

    private static final ForwardProvider STAND_IN = (model, precision) -> tokens -> logits(model.tensors(), model, tokens);

    private static double[][][] logits(TensorSource s, ModelInput model, int[][] tokens) {
        var binding = dev.wisca.rescale.spec.ModelBinding.bind(ProbeVerifierTest.LIBRARY.get("llama").orElseThrow(), model.config(), s.tensors());
        double[] embed = read(s, binding.tensorName("embed", -1, -1).orElseThrow());
        double[] gain = read(s, binding.tensorName("final_norm", -1, -1).orElseThrow());
        double[] head = read(s, binding.tensorName("lm_head", -1, -1).orElseThrow());
        int hidden = gain.length;
        int vocab = head.length / hidden;
        double[][][] out = new double[tokens.length][][];
        for (int q = 0; q < tokens.length; q++) {
            out[q] = new double[tokens[q].length][vocab];
            for (int t = 0; t < tokens[q].length; t++) {
                for (int v = 0; v < vocab; v++) {
                    double sum = 0;
                    for (int i = 0; i < hidden; i++) sum += head[v * hidden + i] * gain[i] * embed[tokens[q][t] * hidden + i];
                    out[q][t][v] = sum * (1 + t / 8.0);
                }
            }
        }
        return out;
    }

    private static double[] read(TensorSource s, String name) {
        var t = s.tensor(name);
        double[] v = new double[Math.toIntExact(t.elementCount())];
        Codecs.of(t.dtype()).decode(t.data(), 0, v, v.length);
        return v;
    }

    private static final ForwardProvider REFERENCE = new dev.wisca.rescale.forward.ReferenceForwardProvider(ProbeVerifierTest.LIBRARY);

    private VerifyReport verify(Tiny b, VerifyOptions options) { return verify(b, options, REFERENCE); }

    private VerifyReport verify(Tiny b, VerifyOptions options, ForwardProvider forward) {
        return Verifier.verify(ModelInput.of(a.source(Dtype.F32), a.model.config()), ModelInput.of(b.source(Dtype.F32), b.model.config()),
            options, ProbeVerifierTest.LIBRARY, Optional.of(forward));
    }

    @Test
    void finalNormFoldedIntoLmHeadIsEquivalent() {
        Tiny b = Rescales.real(a, dev.wisca.rescale.graph.Granularity.CHANNEL, 3, s -> s.id().equals("final_norm"));
        VerifyReport r = verify(b, VerifyOptions.full());
        assertTrue(r.equivalent(), r.summary());
        assertEquals(1.0, r.argmaxAgreement().orElseThrow());
        assertTrue(r.maxAbs() > 0, r.summary());
        assertEquals("sequence " + (VerifyOptions.DEFAULT_SEQUENCES - 1), r.blocks().get(VerifyOptions.DEFAULT_SEQUENCES - 1).block());
        assertTrue(r.blocks().size() > VerifyOptions.DEFAULT_SEQUENCES + 1, "the probe blocks are checked too");
        assertTrue(r.tolerance().startsWith("logits: measured"), r.tolerance());
        var m = r.measured().orElseThrow();
        assertEquals(2, m.changed(), "final norm and lm_head changed");
        assertEquals(Math.scalb(1.0, -24), m.largestU());
        assertEquals(MeasuredTolerance.MULTIPLE * m.maxDeviation(), m.atol());
        assertTrue(m.maxDeviation() > 0 && r.maxAbs() < m.atol(), r.summary());
        assertTrue(r.toJson().contains("\"tolerance_measured\""), r.toJson());
        // a causal LM's compared output is its logits, and the report says so (an encoder's says last_hidden_state)
        assertEquals(ComparedOutput.LOGITS, r.output());
        assertEquals("logits", r.toJsonTree().get("output").asText());
        assertTrue(r.summary().contains(", logits, ") && r.summary().contains("tolerance |Δlogit| ≤ "), r.summary());
        assertEquals("blocks", verify(b, VerifyOptions.probes()).toJsonTree().get("output").asText());
    }

    @Test
    void identicalWeightsNeedNoMeasurementAndDifferByZero() {
        VerifyReport r = verify(a.copy(), VerifyOptions.full());
        assertTrue(r.equivalent(), r.summary());
        assertEquals(0, r.maxAbs());
        assertEquals(0, r.measured().orElseThrow().changed());
    }

    @Test
    void aForwardPassThatLeavesTensorsUnreadIsRefused() {
        var e = assertThrows(dev.wisca.io.WiscaException.class, () -> verify(a.copy(), VerifyOptions.full(), STAND_IN));
        assertEquals(dev.wisca.io.ErrorKind.UNCLAIMED_TENSOR, e.kind());
        assertEquals("model.layers.0.input_layernorm.weight", e.tensor().orElseThrow(), e.getMessage());
        assertTrue(e.getMessage().contains("never reads"), e.getMessage());
    }

    @Test
    void lmHeadScaledAloneIsCaughtInTheFirstSequence() {
        Tiny b = a.copy();
        for (long v = 0; v < b.rows("lm_head", -1); v++) b.scaleRoleRow("lm_head", -1, -1, v, v % 2 == 0 ? 1.5 : 1);
        VerifyReport r = verify(b, VerifyOptions.full());
        assertFalse(r.equivalent());
        assertEquals("sequence 0", r.firstOffending().orElseThrow().block());
        assertTrue(r.argmaxAgreement().orElseThrow() < 1, r.summary());
        assertTrue(r.summary().contains("argmax agreement"), r.summary());
    }

    @Test
    void userToleranceReplacesTheDerivedOne() {
        Tiny b = a.copy();
        for (long v = 0; v < b.rows("lm_head", -1); v++) b.scaleRoleRow("lm_head", -1, -1, v, 1 + 1e-3);
        assertFalse(verify(b, VerifyOptions.full()).equivalent());
        VerifyReport loose = verify(b, VerifyOptions.full().withTolerance(0, 0.01));
        assertTrue(loose.equivalent(), loose.summary());
        assertTrue(loose.tolerance().startsWith("logits: user"), loose.tolerance());
        assertTrue(loose.measured().isEmpty(), "a user tolerance replaces the measurement");
    }

    @Test
    void fullModeWithoutAForwardPassIsAUsageError() {
        ModelInput x = ModelInput.of(a.source(Dtype.F32), a.model.config());
        var e = assertThrows(dev.wisca.io.WiscaException.class, () -> Verifier.verify(x, x, VerifyOptions.full()));
        assertTrue(e.getMessage().contains("setting 'probesOnly'"), e.getMessage());
        assertThrows(WiscaException.class, () -> VerifyOptions.full().withTokens(1, 3));
    }
}
