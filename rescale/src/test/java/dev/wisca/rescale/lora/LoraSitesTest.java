package dev.wisca.rescale.lora;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.graph.Axis;
import dev.wisca.rescale.graph.Member;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.graph.Site;
import dev.wisca.rescale.graph.SiteSet;
import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.synth.TinyAdapter;
import dev.wisca.rescale.synth.TinyModel.TinyTensor;
import dev.wisca.rescale.synth.TinyModels;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoraSitesTest {
    static final SpecLibrary LIBRARY = SpecLibrary.builtin();
    static final TinyAdapter ADAPTER = TinyModels.lora(LIBRARY, 4);

    static SiteSet sites() { return LoraSites.build(LIBRARY.lora(), ADAPTER.adapterConfig(), ADAPTER.infos()); }

    @Test
    void oneSitePerAdaptedModuleWithRankPatternRanks() {
        SiteSet set = sites();
        assertEquals(2 * 6, set.sites().size());
        Site q = set.site("lora.layers.0.self_attn.q_proj").orElseThrow();
        assertEquals(Pair.LORA, q.pair());
        assertEquals(0, q.layer());
        assertEquals(4, q.channels());
        Member a = q.producers().get(0), b = q.consumers().get(0);
        assertEquals("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", a.tensor());
        assertEquals(Axis.ROWS, a.axis());
        assertEquals(Axis.COLS, b.axis());
        assertEquals(2, set.site("lora.layers.1.self_attn.v_proj").orElseThrow().channels(), "rank_pattern v_proj: 2");
        assertEquals(2.0, LoraConfig.read(LIBRARY.lora(), ADAPTER.adapterConfig()).scaling("model.layers.0.mlp.up_proj"));
    }

    @Test
    void scalingKeepsEveryProductBAAndAOneSidedScaleDoesNot() {
        Map<String, TinyTensor> byName = new HashMap<>();
        for (TinyTensor t : ADAPTER.tensors()) byName.put(t.name(), t);
        Random r = new Random(2);
        for (Site s : sites().sites()) {
            double[] scale = new double[s.channels()];
            for (int i = 0; i < scale.length; i++) scale[i] = 0.5 + r.nextDouble() * 1.5;
            TinyTensor a = byName.get(s.producers().get(0).tensor()), b = byName.get(s.consumers().get(0).tensor());
            double[][] ba = product(b, a, scale, true, true);
            double[][] same = product(b, a, new double[s.channels()], false, false);
            double[][] oneSided = product(b, a, scale, true, false);
            assertTrue(LoraRefactorTest.maxDiff(ba, same) < 1e-12 * LoraRefactorTest.maxAbs(same), s.id());
            assertTrue(LoraRefactorTest.maxDiff(oneSided, same) > 1e-3 * LoraRefactorTest.maxAbs(same), s.id());
        }
    }

    /** B' A' with A rows × s (if scaleA) and B columns ÷ s (if scaleB). */
    private static double[][] product(TinyTensor b, TinyTensor a, double[] s, boolean scaleA, boolean scaleB) {
        int out = (int) b.shape()[0], rank = (int) a.shape()[0], in = (int) a.shape()[1];
        double[][] m = new double[out][in];
        for (int i = 0; i < out; i++)
            for (int k = 0; k < rank; k++) {
                double bk = b.values()[i * rank + k] / (scaleB ? s[k] : 1);
                for (int j = 0; j < in; j++) m[i][j] += bk * a.values()[k * in + j] * (scaleA ? s[k] : 1);
            }
        return m;
    }

    @Test
    void rankDisagreeingWithTheConfigIsAConfigError() {
        ObjectNode cfg = ADAPTER.adapterConfig().deepCopy();
        cfg.putObject("rank_pattern");
        WiscaException e = assertThrows(WiscaException.class, () -> LoraSites.build(LIBRARY.lora(), cfg, ADAPTER.infos()));
        assertEquals(ErrorKind.INVALID_CONFIG, e.kind());
        assertTrue(e.getMessage().contains("v_proj.lora_A.weight"), e.getMessage());
    }

    @Test
    void aFactorWithoutItsPartnerIsNamed() {
        List<TensorInfo> noB = ADAPTER.infos().stream().filter(t -> !t.name().equals("base_model.model.model.layers.1.mlp.up_proj.lora_B.weight")).toList();
        WiscaException e = assertThrows(WiscaException.class, () -> LoraSites.build(LIBRARY.lora(), ADAPTER.adapterConfig(), noB));
        assertEquals(ErrorKind.TENSOR_NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains("layers.1.mlp.up_proj.lora_B.weight"), e.getMessage());
    }
}
