package dev.wisca.rescale.verify;

import dev.wisca.io.Dtype;
import dev.wisca.rescale.graph.Granularity;
import dev.wisca.rescale.graph.Member;
import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.synth.TinyModel;
import dev.wisca.rescale.synth.TinyModels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Probe mode accepts every correct rescale of every architecture's tiny model. */
class ProbeVerifierTest {
    static final SpecLibrary LIBRARY = SpecLibrary.builtin();

    static Stream<TinyModel> models() { return TinyModels.all(LIBRARY, 11).stream(); }

    static VerifyReport verify(Tiny a, Dtype da, Tiny b, Dtype db) {
        ModelInput x = ModelInput.of(a.source(da), a.model.config());
        ModelInput y = ModelInput.of(b.source(db), b.model.config());
        return Verifier.verify(x, y, VerifyOptions.probes());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void identicalCheckpointsDifferByExactlyZero(TinyModel model) {
        Tiny t = new Tiny(model);
        VerifyReport r = verify(t, Dtype.F32, t.copy(), Dtype.F32);
        assertTrue(r.equivalent(), r.summary());
        assertEquals(0.0, r.maxAbs());
        for (String kind : new String[] {"layers.0.qk head 0", "layers.0.vo head 0", "layers.1.qk head 1", "mlp"}) {
            assertTrue(r.blocks().stream().anyMatch(b -> b.block().startsWith(kind) || b.block().endsWith(kind) && b.outputs() > 0),
                "no " + kind + " block among " + r.blocks().stream().map(BlockResult::block).toList());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void everySiteWithRealScalesStoredInF32Verifies(TinyModel model) {
        for (Granularity g : Granularity.values()) {
            Tiny a = new Tiny(model);
            Tiny b = Rescales.real(a, g, 5, s -> true);
            VerifyReport r = verify(a, Dtype.F32, b, Dtype.F32);
            assertTrue(r.equivalent(), g + ": " + r.summary());
            assertTrue(r.maxAbs() > 0, "F32 storage rounds real scales: " + r.summary());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void powerOfTwoScalesGiveExactlyZeroDifference(TinyModel model) {
        Tiny a = new Tiny(model);
        // (1 + w)·2^k − 1 is not exact in floating point: offset-gain norm folds are left out.
        Tiny b = Rescales.powerOfTwo(a, Granularity.CHANNEL, 7, s -> s.members().stream().noneMatch(Member::offsetGain));
        VerifyReport r = verify(a, Dtype.F32, b, Dtype.F32);
        assertTrue(r.equivalent(), r.summary());
        assertEquals(0.0, r.maxAbs(), r.summary());
        assertFalse(a.values.equals(b.values));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void bf16RoundingOfARealRescalePassesTheDefaultTolerance(TinyModel model) {
        Tiny original = new Tiny(model);
        Tiny a = original.withValues(original.source(Dtype.BF16).values());
        Tiny b = Rescales.real(a, Granularity.CHANNEL, 9, s -> true);
        VerifyReport r = verify(a, Dtype.BF16, b, Dtype.BF16);
        assertTrue(r.equivalent(), r.summary());
        assertTrue(r.maxAbs() > 0, r.summary());
        assertTrue(r.tolerance().contains("BF16"), r.tolerance());
    }

    static List<Granularity> granularities() { return List.of(Granularity.values()); }
}
