package dev.wisca.hooks.watch;

import dev.wisca.io.Dtype;
import dev.wisca.io.Elements;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.TensorSpec;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.io.hf.CheckpointWriter;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.rescale.plan.Planner;
import dev.wisca.rescale.apply.Apply;
import dev.wisca.rescale.apply.MomentApply;
import dev.wisca.rescale.graph.SiteSets;
import dev.wisca.rescale.plan.Plan;
import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.spec.SpecReader;
import dev.wisca.rescale.synth.TinyModel;
import dev.wisca.rescale.synth.TinyModels;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/** A simulated trainer: writes complete checkpoints (3 shards, config, optimizer state, trainer_state.json) file by file. */
final class TrainerFolder {
    static final SpecLibrary LIBRARY = SpecLibrary.builtin();

    private TrainerFolder() {}

    /** A finished checkpoint in {@code folder}, model values from {@code seed}. */
    static Path writeComplete(Path folder, long seed) throws IOException {
        TinyModel model = TinyModels.build(LIBRARY.get("llama").orElseThrow(), "default", seed);
        Map<String, double[]> values = new HashMap<>();
        List<TensorSpec> specs = new ArrayList<>();
        List<TensorSpec> moments = new ArrayList<>();
        Random random = new Random(seed);
        for (TinyModel.TinyTensor t : model.tensors()) {
            values.put(t.name(), t.values());
            specs.add(t.spec());
            for (String suffix : List.of(".exp_avg", ".exp_avg_sq")) {
                TensorSpec m = new TensorSpec(t.name() + suffix, Dtype.F32, t.shape());
                moments.add(m);
                values.put(m.name(), random.doubles(t.values().length, 0.01, 1).toArray());
            }
        }
        CheckpointWriter.plan(folder, "model", specs, 40_000, Map.of("format", "pt")).write((spec, w) -> w.write(spec.name(), f32(values.get(spec.name()))));
        CheckpointWriter.plan(folder, "optimizer", moments, Long.MAX_VALUE, Map.of()).write((spec, w) -> w.write(spec.name(), f32(values.get(spec.name()))));
        Files.writeString(folder.resolve("config.json"), SpecReader.mapper().writeValueAsString(model.config()));
        Files.writeString(folder.resolve("training_args.bin"), "not really a pickle");
        Files.writeString(folder.resolve(Completeness.TRAINER_STATE), "{\"global_step\": " + seed + "}");
        return folder;
    }

    private static MemorySegment f32(double[] v) {
        MemorySegment bytes = Arena.ofAuto().allocate(4L * v.length);
        for (int i = 0; i < v.length; i++) bytes.set(Elements.F32, 4L * i, (float) v[i]);
        return bytes;
    }

    /** Files of a finished checkpoint in the order a trainer writes them: shards, index, optimizer, side files, trainer_state last. */
    static List<Path> writeOrder(Path complete) throws IOException {
        try (Stream<Path> files = Files.list(complete)) {
            return files.sorted((a, b) -> Integer.compare(rank(a), rank(b)) != 0 ? Integer.compare(rank(a), rank(b))
                : a.getFileName().compareTo(b.getFileName())).toList();
        }
    }

    private static int rank(Path p) {
        String n = p.getFileName().toString();
        if (n.startsWith("model-")) return 0;
        if (n.endsWith(".index.json")) return 1;
        if (n.equals(Completeness.TRAINER_STATE)) return 4;
        return n.startsWith("optimizer") ? 2 : 3;
    }

    /** The one-shot rescale of {@code in} into {@code out}, weights and moments, as {@code wisca rescale} would do. */
    static Plan oneShot(Path in, Path out, WatchOptions options) {
        try (Checkpoint ckpt = Checkpoint.open(in)) {
            var sites = SiteSets.build(LIBRARY.get("llama").orElseThrow(), ckpt.configJson().orElseThrow(), ckpt.tensors(),
                options.settings().sites()).sites();
            RescaleSettings engine = options.settings();
            Plan plan = Planner.plan(ckpt, sites, engine);
            Apply.run(ckpt, plan, out, engine);
            try (Checkpoint moments = Checkpoint.open(in.resolve("optimizer.safetensors"))) {
                MomentApply.run(moments, plan, out.resolve("optimizer.safetensors"), engine);
            }
            return plan;
        }
    }

    /** Whether every tensor of {@code expected} has the same bytes in {@code actual} (a checkpoint folder or file). */
    static List<String> differences(Path expected, Path actual) {
        List<String> out = new ArrayList<>();
        try (Checkpoint e = Checkpoint.open(expected); Checkpoint a = Checkpoint.open(actual)) {
            if (e.tensors().size() != a.tensors().size()) out.add("tensor count " + e.tensors().size() + " vs " + a.tensors().size());
            for (TensorInfo t : e.tensors()) {
                var other = a.find(t.name());
                if (other.isEmpty() || e.tensor(t.name()).data().mismatch(other.get().data()) != -1) out.add(t.name());
            }
        }
        return out;
    }
}
