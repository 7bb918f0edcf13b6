package dev.wisca.rescale.verify;

import dev.wisca.io.Dtype;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.fixtures.MemorySource;
import dev.wisca.rescale.graph.Site;
import dev.wisca.rescale.lora.LoraSites;
import dev.wisca.rescale.synth.TinyAdapter;
import dev.wisca.rescale.synth.TinyModel;
import dev.wisca.rescale.synth.TinyModels;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Probe mode on a base model plus PEFT LoRA adapter: B·A·x per module. */
class LoraVerifyTest {
    private final TinyAdapter adapter = TinyModels.lora(ProbeVerifierTest.LIBRARY, 21);
    private final Tiny base = new Tiny(adapter.base());

    private Map<String, long[]> shapes() {
        Map<String, long[]> m = new LinkedHashMap<>();
        for (TinyModel.TinyTensor t : adapter.tensors()) m.put(t.name(), t.shape());
        return m;
    }

    private Map<String, double[]> values() {
        Map<String, double[]> m = new LinkedHashMap<>();
        for (TinyModel.TinyTensor t : adapter.tensors()) m.put(t.name(), t.values().clone());
        return m;
    }

    private VerifyReport verify(Map<String, double[]> a, Map<String, double[]> b) {
        ModelInput x = ModelInput.of(base.source(Dtype.F32), base.model.config())
            .withAdapter(MemorySource.of(shapes(), a, Dtype.F32), adapter.adapterConfig());
        ModelInput y = ModelInput.of(base.source(Dtype.F32), base.model.config())
            .withAdapter(MemorySource.of(shapes(), b, Dtype.F32), adapter.adapterConfig());
        return Verifier.verify(x, y, VerifyOptions.probes());
    }

    /** Rank direction i of every module: A row × s_i, B column ÷ s_i (or, when {@code wrong}, B column × s_i). */
    private Map<String, double[]> rescaled(boolean wrong) {
        Map<String, double[]> v = values();
        Random r = new Random(4);
        for (Site s : LoraSites.build(ProbeVerifierTest.LIBRARY.lora(), adapter.adapterConfig(), adapter.infos()).sites()) {
            double[] f = new double[s.channels()];
            for (int c = 0; c < f.length; c++) f[c] = Math.exp(r.nextGaussian());
            for (var m : s.members()) {
                long[] shape = shapes().get(m.tensor());
                for (int i = 0; i < m.length(); i++) {
                    double g = m.isProducer() || wrong ? f[m.channel(i)] : 1 / f[m.channel(i)];
                    Tiny.scaleSlice(v.get(m.tensor()), shape, -1, m.axis(), i, g);
                }
            }
        }
        return v;
    }

    @Test
    void perRankRescaleOfEveryModuleVerifies() {
        VerifyReport r = verify(values(), rescaled(false));
        assertTrue(r.equivalent(), r.summary());
        assertTrue(r.blocks().stream().anyMatch(b -> b.block().startsWith("lora.") && b.maxAbs() > 0), r.summary());
    }

    @Test
    void bColumnsScaledTheWrongWayAreCaughtAtALoraModule() {
        VerifyReport r = verify(values(), rescaled(true));
        assertFalse(r.equivalent());
        assertTrue(r.firstOffending().orElseThrow().block().startsWith("lora."), r.summary());
    }

    @Test
    void identicalAdaptersDifferByZero() {
        VerifyReport r = verify(values(), values());
        assertTrue(r.equivalent());
        assertEquals(0.0, r.maxAbs());
    }

    @Test
    void anAdapterOnOneSideOnlyIsAUsageError() {
        ModelInput x = ModelInput.of(base.source(Dtype.F32), base.model.config())
            .withAdapter(MemorySource.of(shapes(), values(), Dtype.F32), adapter.adapterConfig());
        ModelInput y = ModelInput.of(base.source(Dtype.F32), base.model.config());
        WiscaException e = assertThrows(WiscaException.class, () -> Verifier.verify(x, y, VerifyOptions.probes()));
        assertTrue(e.getMessage().contains("setting 'adapterA' and setting 'adapterB'"), e.getMessage());
    }
}
