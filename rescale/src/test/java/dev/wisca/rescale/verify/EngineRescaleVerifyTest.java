package dev.wisca.rescale.verify;

import dev.wisca.io.hf.Checkpoint;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.rescale.plan.Planner;
import dev.wisca.rescale.apply.Apply;
import dev.wisca.rescale.graph.Granularity;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.graph.SiteOptions;
import dev.wisca.rescale.graph.SiteSet;
import dev.wisca.rescale.graph.SiteSets;
import dev.wisca.rescale.solve.Pow2Mode;
import dev.wisca.rescale.synth.TinyModel;
import dev.wisca.rescale.synth.TinyModelFiles;
import dev.wisca.rescale.synth.TinyModels;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every architecture's tiny checkpoint, written to disk and rescaled by the engine, verifies from its files. */
class EngineRescaleVerifyTest {
    @TempDir
    Path dir;

    static Stream<TinyModel> models() { return TinyModels.all(ProbeVerifierTest.LIBRARY, 31).stream(); }

    private Path rescale(Path in, TinyModel m, SiteOptions sites, RescaleSettings options, String name) {
        Path out = dir.resolve(name);
        try (Checkpoint c = Checkpoint.open(in)) {
            SiteSet s = SiteSets.build(m.spec(), m.config(), c.tensors(), sites);
            Apply.run(c, Planner.plan(c, s.sites(), options), out, options);
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void engineRescaleWithEveryPairAndGranularityVerifies(TinyModel m) {
        Path in = TinyModelFiles.write(m, dir.resolve("in"));
        for (Granularity g : Granularity.values()) {
            Path out = rescale(in, m, new SiteOptions(EnumSet.allOf(Pair.class), g), RescaleSettings.paper(), "out-" + g);
            VerifyReport r = CheckpointVerifier.verify(in, out, VerifyOptions.probes());
            assertTrue(r.equivalent(), m + " " + g + ": " + r.summary());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void enginePowerOfTwoRescaleOfThePaperPairsDiffersByExactlyZero(TinyModel m) {
        Path in = TinyModelFiles.write(m, dir.resolve("in"));
        RescaleSettings pow2 = RescaleSettings.paper().withSolver(RescaleSettings.paper().solver().withPow2(Pow2Mode.ON).withTargetRatio(64));
        Path out = rescale(in, m, new SiteOptions(EnumSet.of(Pair.QK, Pair.VO, Pair.UPDOWN), Granularity.KV_GROUP), pow2, "out");
        VerifyReport r = CheckpointVerifier.verify(in, out, Optional.empty(), Optional.empty(), VerifyOptions.probes(),
            ProbeVerifierTest.LIBRARY, Optional.empty());
        assertTrue(r.equivalent(), r.summary());
        // Gemma 3's QK pair scales offset gains: (1 + w) · 2^k is exact, storing it back as w rounds
        boolean offsetQkGains = m.spec().normKind() == dev.wisca.rescale.spec.NormKind.RMS_OFFSET && m.spec().roles().contains("q_norm");
        if (!offsetQkGains) assertEquals(0.0, r.maxAbs(), r.summary());
        try (Checkpoint a = Checkpoint.open(in); Checkpoint b = Checkpoint.open(out)) {
            long changed = a.tensors().stream().filter(t -> a.tensor(t.name()).data().mismatch(b.tensor(t.name()).data()) >= 0).count();
            assertTrue(changed > 0, "the engine changed no tensor: nothing was tested");
        }
    }
}
