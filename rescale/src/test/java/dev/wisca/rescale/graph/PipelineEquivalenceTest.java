package dev.wisca.rescale.graph;

import dev.wisca.io.TensorInfo;
import dev.wisca.io.codec.Codecs;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.rescale.plan.Planner;
import dev.wisca.rescale.apply.Apply;
import dev.wisca.rescale.fixtures.SiteScaling;
import dev.wisca.rescale.plan.Plan;
import dev.wisca.rescale.solve.SiteReport;
import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.synth.TinyModel;
import dev.wisca.rescale.synth.TinyModelFiles;
import dev.wisca.rescale.synth.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole engine on files: every shipped architecture's tiny model is written as a Hugging Face
 * folder, planned and applied by {@link Planner} and {@link Apply} (statistics, solver, streaming apply, F32 rounding),
 * read back, and checked by the independent f64 block reference: outputs unchanged within f32
 * storage rounding, and the solved sites balanced (planning the output again gives scales of 1).
 */
class PipelineEquivalenceTest {
    static final SpecLibrary LIBRARY = SpecLibrary.builtin();
    static final EnumSet<Pair> ALL = EnumSet.of(Pair.QK, Pair.VO, Pair.UPDOWN, Pair.QKNORM);

    @TempDir Path dir;

    static Map<String, double[]> read(Checkpoint c) {
        Map<String, double[]> out = new HashMap<>();
        for (TensorInfo t : c.tensors()) {
            var codec = Codecs.of(t.dtype());
            double[] v = new double[(int) t.elementCount()];
            var data = c.tensor(t.name()).data();
            for (int i = 0; i < v.length; i++) v[i] = codec.get(data, i);
            out.put(t.name(), v);
        }
        return out;
    }

    @Test
    void everyArchitectureRescaledThroughFilesKeepsItsOutputsAndIsBalanced() {
        List<String> failures = new ArrayList<>();
        int runs = 0;
        for (TinyModel m : TinyModels.all(LIBRARY, 21)) {
            Path in = TinyModelFiles.write(m, dir.resolve(m.spec().name() + "-" + m.example()));
            Map<String, long[]> shapes = SiteScaling.shapes(m);
            for (Granularity g : Granularity.values()) {
                for (EnumSet<Pair> pairs : List.of(EnumSet.of(Pair.QK, Pair.VO), ALL, EnumSet.of(Pair.NORM, Pair.QK, Pair.VO, Pair.UPDOWN))) {
                    Path out = dir.resolve("out-" + runs++);
                    try (Checkpoint c = Checkpoint.open(in)) {
                        SiteSet sites = SiteSets.build(m.spec(), m.config(), c.tensors(), new SiteOptions(pairs, g));
                        Plan plan = Planner.plan(c, sites.sites(), RescaleSettings.paper());
                        Apply.run(c, plan, out, RescaleSettings.paper());
                        String label = m + " " + pairs + " " + g;
                        try (Checkpoint r = Checkpoint.open(out)) {
                            String family = m.spec().name();
                            double[] x = Reference.outputs(Reference.extract(family, m.config(), read(c), shapes), 5);
                            double[] y = Reference.outputs(Reference.extract(family, m.config(), read(r), shapes), 5);
                            double d = EquivalenceTest.relativeDifference(x, y);
                            if (!(d < 1e-5)) failures.add(label + ": outputs changed by " + d);
                            if (pairs.contains(Pair.NORM)) continue; // fold mode: gains are 1 afterwards, not "balanced"
                            SiteSet again = SiteSets.build(m.spec(), m.config(), r.tensors(), new SiteOptions(pairs, g));
                            for (SiteReport rep : Planner.plan(r, again.sites(), RescaleSettings.paper()).reports()) {
                                if (rep.notes().isEmpty() && !(Math.abs(rep.maxScale() - 1) < 1e-5 && Math.abs(rep.minScale() - 1) < 1e-5)) {
                                    failures.add(label + ": " + rep.id() + " not balanced, re-solve gives [" + rep.minScale() + ", " + rep.maxScale() + "]");
                                }
                            }
                        }
                    }
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " failures:\n" + String.join("\n", failures));
        assertTrue(runs >= 100, "runs " + runs);
    }
}
