package dev.wisca.rescale.pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wisca.io.Dtype;
import dev.wisca.io.TensorSpec;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.io.hf.CheckpointWriter;
import dev.wisca.rescale.Progress;
import dev.wisca.rescale.fixtures.MemorySource;
import dev.wisca.rescale.spec.ModelBinding;
import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.synth.TinyModel;
import dev.wisca.rescale.synth.TinyModel.TinyTensor;
import dev.wisca.rescale.synth.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleUnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PatternStatsTest {
    static final SpecLibrary LIBRARY = SpecLibrary.builtin();
    static final double TOLERANCE = 1e-12;

    /** The stored values (rounded to {@code dtype}) of every tensor of {@code m}. */
    static Map<String, double[]> stored(TinyModel m, DoubleUnaryOperator rounding) {
        Map<String, double[]> out = new HashMap<>();
        for (TinyTensor t : m.tensors()) {
            double[] v = t.values().clone();
            for (int i = 0; i < v.length; i++) v[i] = rounding.applyAsDouble(v[i]);
            out.put(t.name(), v);
        }
        return out;
    }

    /**
     * The value an F32 tensor stores for {@code v}, by hand (not through the codecs under test): the
     * JDK's cast rounds to nearest even.
     */
    static double f32(double v) { return (float) v; }

    /**
     * The value a BF16 tensor stores for {@code v}, by hand: the double's 52 fraction bits rounded once
     * to BF16's 7, to nearest even (exact for BF16's normal range, which the tiny models' values are in).
     */
    static double bf16(double v) {
        if (!Double.isFinite(v)) return v;
        long bits = Double.doubleToRawLongBits(v);
        long dropped = (1L << 45) - 1;
        long rounded = (bits + (dropped >>> 1) + ((bits >>> 45) & 1)) & ~dropped;
        return Double.longBitsToDouble(rounded);
    }

    static MemorySource source(TinyModel m, Dtype dtype) { return MemorySource.of(m.tensors(), dtype); }

    static void close(double expected, double actual, String what) {
        assertTrue(Math.abs(expected - actual) <= TOLERANCE * Math.max(1, Math.abs(expected)), what + ": expected " + expected + " got " + actual);
    }

    static double l1(double[] v, long[] idx) {
        double s = 0;
        for (long i : idx) s += Math.abs(v[(int) i]);
        return s;
    }

    static double l2(double[] v, long[] idx) {
        double s = 0;
        for (long i : idx) s += v[(int) i] * v[(int) i];
        return Math.sqrt(s);
    }

    /** Every tensor's norms and every layer's head norms and balances against the f64 reference. */
    static void checkAgainstReference(TinyModel m, PatternReport report, Map<String, double[]> values) {
        Map<String, long[]> shapes = new HashMap<>();
        for (TinyTensor t : m.tensors()) shapes.put(t.name(), t.shape());
        assertEquals(m.tensors().size(), report.tensors().size(), m.toString());
        for (TinyTensor t : m.tensors()) {
            TensorStats s = report.tensor(t.name()).orElseThrow();
            double[] v = values.get(t.name());
            double l1 = 0, sq = 0, max = 0;
            for (double x : v) {
                l1 += Math.abs(x);
                sq += x * x;
                max = Math.max(max, Math.abs(x));
            }
            close(l1, s.values().l1(), m + " " + t.name() + " l1");
            close(Math.sqrt(sq), s.values().l2(), m + " " + t.name() + " l2");
            assertEquals(max, s.values().maxAbs(), m + " " + t.name() + " max");
            assertEquals(0, s.values().nanCount());
            assertEquals(v.length, s.elements());
        }
        int layers = m.config().has("n_layer") ? m.config().get("n_layer").asInt() : m.config().get("num_hidden_layers").asInt();
        if (m.spec().forward().orElseThrow().latentAttention() != null) {
            // latent attention (DeepSeek) has no q/k/v/o roles: no per-head statistics, only the tensor ones above
            assertEquals(0, report.attention().size(), m.toString());
            return;
        }
        assertEquals(layers, report.attention().size(), m.toString());
        for (int l = 0; l < layers; l++) {
            HeadReference.LayerHeads ref = HeadReference.layer(m.spec().name(), m.config(), l, shapes);
            AttentionStats a = report.layer(l).orElseThrow();
            String at = m + " layer " + l;
            checkHeads(at + " q", ref.qTensor(), ref.q(), a.q(), values);
            checkHeads(at + " k", ref.kTensor(), ref.k(), a.k(), values);
            checkHeads(at + " v", ref.vTensor(), ref.v(), a.v(), values);
            checkHeads(at + " o", ref.oTensor(), ref.o(), a.o(), values);
            int g = a.heads() / a.kvHeads();
            double qAll = 0, kAll = 0, vAll = 0, oAll = 0;
            for (int j = 0; j < a.kvHeads(); j++) {
                double q = 0, o = 0;
                for (int h = j * g; h < (j + 1) * g; h++) {
                    q += l1(values.get(ref.qTensor()), ref.q()[h]);
                    o += l1(values.get(ref.oTensor()), ref.o()[h]);
                }
                double k = l1(values.get(ref.kTensor()), ref.k()[j]);
                double vv = l1(values.get(ref.vTensor()), ref.v()[j]);
                close(q / k, a.qk().groupRatio(j), at + " qk group " + j);
                close(vv / o, a.vo().groupRatio(j), at + " vo group " + j);
                qAll += q;
                kAll += k;
                vAll += vv;
                oAll += o;
            }
            close(qAll / kAll, a.qk().ratio(), at + " qk ratio");
            close(vAll / oAll, a.vo().ratio(), at + " vo ratio");
        }
    }

    static void checkHeads(String what, String tensor, long[][] heads, HeadNorms actual, Map<String, double[]> values) {
        assertNotNull(actual, what);
        assertEquals(tensor, actual.tensor(), what);
        assertEquals(heads.length, actual.heads(), what + " heads");
        for (int h = 0; h < heads.length; h++) {
            close(l1(values.get(tensor), heads[h]), actual.l1(h), what + " head " + h + " l1");
            close(l2(values.get(tensor), heads[h]), actual.l2(h), what + " head " + h + " l2");
        }
    }

    static ModelBinding binding(TinyModel m) { return ModelBinding.bind(m.spec(), m.config(), m.infos()); }

    @Test
    void everyArchitectureMatchesTheF64Reference() {
        int checked = 0;
        for (TinyModel m : TinyModels.all(LIBRARY, 21)) {
            PatternReport report = PatternStats.compute(source(m, Dtype.F32), binding(m));
            checkAgainstReference(m, report, stored(m, PatternStatsTest::f32));
            assertEquals(m.spec().name(), report.model());
            checked++;
        }
        assertTrue(checked >= 17, "checked " + checked);
    }

    @Test
    void tinyChunksAndBf16GiveTheSameAnswers() {
        for (String family : List.of("phi3", "gpt2", "gpt_neox", "gemma")) {
            TinyModel m = TinyModels.build(LIBRARY.get(family).orElseThrow(), LIBRARY.get(family).orElseThrow().examples().keySet().iterator().next(), 5);
            PatternReport report = PatternStats.compute(source(m, Dtype.BF16), Optional.of(binding(m)), 3, 37);
            checkAgainstReference(m, report, stored(m, PatternStatsTest::bf16));
        }
        for (String example : List.of("new_decoder_architecture", "multi_query", "per_head")) {
            TinyModel m = TinyModels.build(LIBRARY.get("falcon").orElseThrow(), example, 6);
            checkAgainstReference(m, PatternStats.compute(source(m, Dtype.F32), Optional.of(binding(m)), 2, 100), stored(m, PatternStatsTest::f32));
        }
    }

    /** Records a phase: its totals and what was advanced, from any thread. */
    static final class RecordingProgress implements Progress {
        final List<String> events = new ArrayList<>();
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong tensors = new AtomicLong();
        long totalBytes;
        int totalTensors;

        @Override public synchronized void start(String phase, long totalBytes, int totalTensors) {
            events.add("start " + phase);
            this.totalBytes = totalBytes;
            this.totalTensors = totalTensors;
        }

        @Override public void advance(long bytes, int tensors) {
            this.bytes.addAndGet(bytes);
            this.tensors.addAndGet(tensors);
        }

        @Override public synchronized void finish() { events.add("finish"); }
    }

    @Test
    void theStatsPassReportsEveryByteAndTensorOnce() {
        TinyModel m = TinyModels.build(LIBRARY.get("qwen3").orElseThrow(), LIBRARY.get("qwen3").orElseThrow().examples().keySet().iterator().next(), 8);
        for (Dtype dtype : List.of(Dtype.F32, Dtype.BF16)) {
            MemorySource source = source(m, dtype);
            long expectedBytes = source.tensors().stream().mapToLong(t -> t.byteLength()).sum();
            RecordingProgress progress = new RecordingProgress();
            PatternStats.compute(source, Optional.of(binding(m)), 3, 37, progress);
            assertEquals(List.of("start stats", "finish"), progress.events);
            assertEquals(expectedBytes, progress.totalBytes);
            assertEquals(expectedBytes, progress.bytes.get(), "bytes advanced");
            assertEquals(m.tensors().size(), progress.totalTensors);
            assertEquals(m.tensors().size(), progress.tensors.get(), "tensors completed");
        }
    }

    @Test
    void gqaModelStartsUnbalancedByTheGroupSize() {
        // llama default: 4 query heads over 2 KV heads; iid weights make ‖W_q‖₁ ≈ 2‖W_k‖₁ and ‖W_v‖₁ ≈ ‖W_o‖₁ / 2.
        TinyModel m = TinyModels.build(LIBRARY.get("llama").orElseThrow(), "default", 9);
        PatternReport r = PatternStats.compute(source(m, Dtype.F32), binding(m));
        for (AttentionStats a : r.attention()) {
            assertEquals(2, a.groupSize());
            assertTrue(a.qk().ratio() > 1.6 && a.qk().ratio() < 2.5, "qk " + a.qk().ratio());
            assertTrue(a.vo().ratio() > 0.4 && a.vo().ratio() < 0.625, "vo " + a.vo().ratio());
        }
    }

    @Test
    void qkNormModelExplainsWhyQkIsNotBalanced() {
        TinyModel m = TinyModels.build(LIBRARY.get("qwen3").orElseThrow(), "default", 4);
        PatternReport r = PatternStats.compute(source(m, Dtype.F32), binding(m));
        assertTrue(r.notes().stream().anyMatch(n -> n.startsWith("QK is not balanced for qwen3") && n.contains("QK-norm")), r.notes().toString());
        assertNotNull(r.attention().getFirst().qk());
    }

    @Test
    void countsNonFiniteValuesAndSkipsNonFloatTensors() {
        double[] w = {1, -2, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.5};
        MemorySource s = new MemorySource()
            .add("w", Dtype.F32, new long[] {2, 3}, w)
            .addInts("ids", new long[] {4}, 1, 2, 3, 4)
            .add("empty", Dtype.F32, new long[] {0, 5}, new double[0]);
        PatternReport r = PatternStats.compute(s);
        ValueStats v = r.tensor("w").orElseThrow().values();
        assertEquals(1, v.nanCount());
        assertEquals(2, v.infCount());
        assertTrue(Double.isNaN(v.l1()));
        assertNull(r.tensor("ids").orElseThrow().values());
        assertEquals(Dtype.I32, r.tensor("ids").orElseThrow().dtype());
        assertEquals(new ValueStats(0, 0, 0, 0, 0), r.tensor("empty").orElseThrow().values());
        assertTrue(r.attention().isEmpty());
        assertNull(r.model());
    }

    @Test
    void shardedCheckpointOnDiskListsItsFiles(@TempDir Path dir) throws Exception {
        TinyModel m = TinyModels.build(LIBRARY.get("mistral").orElseThrow(), "default", 8);
        List<TensorSpec> specs = new ArrayList<>();
        for (TinyTensor t : m.tensors()) specs.add(t.spec());
        Map<String, double[]> values = stored(m, PatternStatsTest::f32);
        CheckpointWriter.plan(dir, "model", specs, 40_000, Map.of()).write((spec, writer) -> {
            double[] v = values.get(spec.name());
            MemorySegment seg = MemorySegment.ofArray(new float[v.length]);
            for (int i = 0; i < v.length; i++) seg.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) v[i]);
            writer.write(spec.name(), seg);
        });
        try (Checkpoint c = Checkpoint.open(dir)) {
            PatternReport r = PatternStats.compute(c, ModelBinding.bind(m.spec(), m.config(), c.tensors()));
            assertTrue(r.files().size() > 1, "sharded: " + r.files());
            checkAgainstReference(m, r, values);
            String json = new ObjectMapper().writeValueAsString(r);
            assertTrue(json.contains("\"groupProducerL1\""), json.substring(0, 200));
        }
    }
}
