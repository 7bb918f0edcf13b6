package dev.wisca.sdk.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wisca.io.Dtype;
import dev.wisca.io.SafetensorsFile;
import dev.wisca.io.SafetensorsWriter;
import dev.wisca.io.TensorSpec;
import dev.wisca.io.codec.Codecs;
import dev.wisca.io.codec.ElementCodec;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.solve.Pow2Mode;
import dev.wisca.rescale.solve.SolverOptions;
import dev.wisca.rescale.spec.ArchSpec;
import dev.wisca.rescale.spec.BoundRole;
import dev.wisca.rescale.spec.BoundTensor;
import dev.wisca.rescale.spec.ModelBinding;
import dev.wisca.rescale.spec.NormKind;
import dev.wisca.rescale.spec.Roles;
import dev.wisca.rescale.spec.SpecJson.SiteRule;
import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.graph.Granularity;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.sdk.SampleCheckpoints;
import dev.wisca.sdk.Wisca;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Real checkpoint folders for the verify tests: SampleCheckpoints' tiny models in a chosen dtype,
 * correct rescales of them (every pair the family has, per channel, power-of-two or real scales),
 * and damaged copies (a role scaled, two heads swapped, a norm gain changed) written by plain loops
 * over the stored values through the spec binding (so fused and Conv1D layouts are damaged where the
 * role lives).
 */
final class CheckpointEdits {
    static final SpecLibrary LIBRARY = SpecLibrary.builtin();

    private CheckpointEdits() {}

    /** The sample of {@code type} stored in {@code dtype} under {@code dir}. */
    static Path sample(String type, Dtype dtype, Path dir, long seed) {
        Path f32 = SampleCheckpoints.write(type, dir.resolve(type + "-f32"), seed);
        if (dtype == Dtype.F32) return f32;
        Path out = dir.resolve(type + "-" + dtype.name().toLowerCase());
        Wisca.reshard(f32, out, Long.MAX_VALUE, dtype);
        return out;
    }

    /** Every pair the family's spec declares (LoRA aside), per channel, with power-of-two scales or not. */
    static Path rescaled(Path in, Path out, boolean pow2) {
        Set<Pair> pairs = EnumSet.noneOf(Pair.class);
        for (SiteRule s : spec(in).sites()) {
            Pair p = Pair.parse(s.pair());
            if (p != Pair.LORA) pairs.add(p);
        }
        RescaleSettings settings = RescaleSettings.paper().withParallelism(1)
            .withSites(new dev.wisca.rescale.graph.SiteOptions(pairs, Granularity.CHANNEL))
            .withSolver(SolverOptions.defaults().withPow2(pow2 ? Pow2Mode.ON : Pow2Mode.OFF));
        Wisca.rescale(in, out, settings);
        return out;
    }

    /** A copy of {@code in} with every logical row of {@code role} (layer, expert 0) multiplied by {@code factor}. */
    static Path scaledRole(Path in, Path out, String role, int layer, double factor) {
        return edit(in, out, (binding, values) -> {
            BoundRole r = binding.role(role, layer).orElseThrow(() -> new AssertionError("no role " + role + " in " + in));
            for (long i = 0; i < r.logicalRows(); i++) forEachInRow(r, i, values.get(r.tensor().name(0)), (v, at) -> v[at] *= factor);
        });
    }

    /** A copy with KV heads 0 and 1 of k swapped (query heads 0 and 1 of q when there is one KV head). */
    static Path swappedHeads(Path in, Path out, int layer) { return swappedHeads(in, out, layer, null); }

    /** As {@link #swappedHeads(Path, Path, int)} on the rows of {@code role} (null: k, or q with one KV head). */
    static Path swappedHeads(Path in, Path out, int layer, String role) {
        return edit(in, out, (binding, values) -> {
            boolean mqa = binding.dims().count(Roles.DIM_KV_HEADS) < 2;
            BoundRole r = binding.role(role != null ? role : mqa ? Roles.Q : Roles.K, layer).orElseThrow();
            int hd = binding.dims().count(Roles.DIM_HEAD_DIM);
            double[] v = values.get(r.tensor().name(0));
            for (int d = 0; d < hd; d++) {
                double[][] rows = {row(r, d, v), row(r, hd + d, v)};
                setRow(r, d, v, rows[1]);
                setRow(r, hd + d, v, rows[0]);
            }
        });
    }

    /** A copy whose {@code role} norm gain (the effective gain, 1 + w for offset norms) is multiplied by {@code factor}. */
    static Path changedNormGain(Path in, Path out, String role, int layer, double factor) {
        return edit(in, out, (binding, values) -> {
            BoundRole r = binding.role(role, layer).orElseThrow();
            boolean offset = binding.spec().normKind() == NormKind.RMS_OFFSET;
            double[] v = values.get(r.tensor().name(0));
            for (long i = 0; i < r.logicalRows(); i++) {
                int p = (int) r.rows().physical(i);
                v[p] = offset ? (1 + v[p]) * factor - 1 : v[p] * factor;
            }
        });
    }

    /** A copy of {@code in} with every element of the stored tensor {@code name} multiplied by {@code factor}. */
    static Path scaledTensor(Path in, Path out, String name, double factor) {
        return edit(in, out, (binding, values) -> {
            double[] v = values.get(name);
            for (int i = 0; i < v.length; i++) v[i] *= factor;
        });
    }

    /** A copy of {@code in} with one extra F32 tensor {@code name} of {@code n} ones. */
    static Path withExtraTensor(Path in, Path out, String name, int n) {
        return rewrite(in, out, Map.of(name, new double[n]), (binding, values) -> java.util.Arrays.fill(values.get(name), 1.0));
    }

    static ArchSpec spec(Path folder) {
        return LIBRARY.specFor(config(folder));
    }

    private static Path edit(Path in, Path out, BiConsumer<ModelBinding, Map<String, double[]>> change) {
        return rewrite(in, out, Map.of(), change);
    }

    /** Decodes every tensor, lets {@code change} edit the values, writes them back in their dtypes (plus {@code extra}, F32). */
    private static Path rewrite(Path in, Path out, Map<String, double[]> extra, BiConsumer<ModelBinding, Map<String, double[]>> change) {
        try {
            Files.createDirectories(out);
            Files.copy(in.resolve("config.json"), out.resolve("config.json"));
            JsonNode config = config(in);
            try (SafetensorsFile f = SafetensorsFile.open(in.resolve("model.safetensors")); Arena arena = Arena.ofConfined()) {
                ModelBinding binding = ModelBinding.bind(LIBRARY.specFor(config), config, f.tensors());
                Map<String, double[]> values = new HashMap<>();
                Map<String, Dtype> dtypes = new HashMap<>();
                for (var t : f.tensors()) {
                    double[] v = new double[Math.toIntExact(t.elementCount())];
                    Codecs.of(t.dtype()).decode(f.tensor(t.name()).data(), 0, v, v.length);
                    values.put(t.name(), v);
                    dtypes.put(t.name(), t.dtype());
                }
                extra.forEach((name, v) -> {
                    values.put(name, v.clone());
                    dtypes.put(name, Dtype.F32);
                });
                change.accept(binding, values);
                List<TensorSpec> specs = new java.util.ArrayList<>(f.tensors().stream().map(TensorSpec::of).toList());
                extra.forEach((name, v) -> specs.add(new TensorSpec(name, Dtype.F32, new long[] {v.length})));
                try (SafetensorsWriter w = SafetensorsWriter.create(out.resolve("model.safetensors"), specs)) {
                    for (TensorSpec s : w.fileOrder()) {
                        double[] v = values.get(s.name());
                        ElementCodec codec = Codecs.of(dtypes.get(s.name()));
                        MemorySegment bytes = arena.allocate(Math.max(1, (long) v.length * dtypes.get(s.name()).byteSize()));
                        codec.encode(v, v.length, bytes, 0);
                        w.write(s.name(), bytes.asSlice(0, (long) v.length * dtypes.get(s.name()).byteSize()));
                    }
                    w.commit();
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode config(Path folder) {
        try {
            return new ObjectMapper().readTree(folder.resolve("config.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Calls {@code f} with the stored index of each element of logical row {@code i} of a role (expert 0). */
    private static void forEachInRow(BoundRole r, long i, double[] v, ElementVisitor f) {
        BoundTensor t = r.tensor();
        long p = r.rows().physical(i);
        if (t.matrixRank() == 1) {
            f.visit(v, (int) p);
            return;
        }
        long rows = t.logicalRows();
        long cols = t.logicalCols();
        for (long j = 0; j < cols; j++) f.visit(v, (int) (t.inOut() ? j * rows + p : p * cols + j));
    }

    private static double[] row(BoundRole r, long i, double[] v) {
        double[] out = new double[(int) r.tensor().logicalCols()];
        int[] k = {0};
        forEachInRow(r, i, v, (x, at) -> out[k[0]++] = x[at]);
        return out;
    }

    private static void setRow(BoundRole r, long i, double[] v, double[] values) {
        int[] k = {0};
        forEachInRow(r, i, v, (x, at) -> x[at] = values[k[0]++]);
    }

    @FunctionalInterface
    private interface ElementVisitor {
        void visit(double[] values, int index);
    }
}
