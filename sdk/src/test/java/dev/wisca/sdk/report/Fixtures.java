package dev.wisca.sdk.report;

import dev.wisca.io.TensorSpec;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.io.hf.CheckpointWriter;
import dev.wisca.rescale.graph.Axis;
import dev.wisca.rescale.graph.Granularity;
import dev.wisca.rescale.graph.Member;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.graph.Site;
import dev.wisca.rescale.graph.SiteOptions;
import dev.wisca.rescale.graph.SiteSets;
import dev.wisca.rescale.pattern.PatternReport;
import dev.wisca.rescale.pattern.PatternStats;
import dev.wisca.rescale.spec.ModelBinding;
import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.synth.TinyModel;
import dev.wisca.rescale.synth.TinyModels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Tiny checkpoints on disk, and a test-only balancing of their Q/K and V/O sites (weights only). */
final class Fixtures {
    static final SpecLibrary LIBRARY = SpecLibrary.builtin();

    private Fixtures() {}

    static TinyModel model(String family, String example, long seed) {
        return TinyModels.build(LIBRARY.get(family).orElseThrow(), example, seed);
    }

    static Map<String, double[]> values(TinyModel m) {
        Map<String, double[]> out = new HashMap<>();
        m.tensors().forEach(t -> out.put(t.name(), t.values().clone()));
        return out;
    }

    /** Writes {@code values} as the F32 checkpoint of {@code m} in {@code dir}. */
    static Path write(TinyModel m, Map<String, double[]> values, Path dir) {
        List<TensorSpec> specs = new ArrayList<>();
        m.tensors().forEach(t -> specs.add(t.spec()));
        CheckpointWriter.plan(dir, "model", specs, Long.MAX_VALUE, Map.of()).write((spec, writer) -> {
            double[] v = values.get(spec.name());
            MemorySegment seg = MemorySegment.ofArray(new float[v.length]);
            for (int i = 0; i < v.length; i++) seg.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) v[i]);
            writer.write(spec.name(), seg);
        });
        return dir;
    }

    static PatternReport report(TinyModel m, Path dir) {
        try (Checkpoint c = Checkpoint.open(dir)) {
            return PatternStats.compute(c, ModelBinding.bind(m.spec(), m.config(), c.tensors()));
        }
    }

    /** {@code values} with every Q/K and V/O site balanced in L1 (weights only) at {@code granularity}. */
    static Map<String, double[]> balanced(TinyModel m, Map<String, double[]> values, Granularity granularity) {
        Map<String, double[]> out = new HashMap<>();
        values.forEach((k, v) -> out.put(k, v.clone()));
        Map<String, long[]> shapes = new HashMap<>();
        m.tensors().forEach(t -> shapes.put(t.name(), t.shape()));
        for (Site site : SiteSets.build(m.spec(), m.config(), m.infos(), SiteOptions.of(granularity, Pair.QK, Pair.VO)).sites()) {
            double[] produced = new double[site.channels()];
            double[] consumed = new double[site.channels()];
            for (Member member : site.members()) {
                if (shapes.get(member.tensor()).length != 2) continue;
                visit(member, shapes.get(member.tensor()), (index, channel) ->
                    (member.isProducer() ? produced : consumed)[channel] += Math.abs(out.get(member.tensor())[index]));
            }
            for (Member member : site.members()) {
                double[] w = out.get(member.tensor());
                visit(member, shapes.get(member.tensor()), (index, channel) ->
                    w[index] *= Math.pow(Math.sqrt(consumed[channel] / produced[channel]), member.exponent()));
            }
        }
        return out;
    }

    private interface Visitor {
        void at(int index, int channel);
    }

    private static void visit(Member m, long[] shape, Visitor visitor) {
        int rows = (int) shape[0];
        int cols = shape.length == 2 ? (int) shape[1] : 1;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int channel = m.channel(m.axis() == Axis.ROWS ? r : c);
                if (channel >= 0) visitor.at(r * cols + c, channel);
            }
        }
    }
}
