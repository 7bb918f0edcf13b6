package dev.wisca.sdk;

import dev.wisca.io.inplace.PlanStamps;
import dev.wisca.io.Dtype;
import dev.wisca.io.SafetensorsFile;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.io.hf.Overwrite;
import dev.wisca.io.hf.Reshard;
import dev.wisca.io.hf.ShardIndex;
import dev.wisca.rescale.Progress;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.rescale.spec.SpecChoice;
import dev.wisca.rescale.plan.AppliedStamp;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The wisca SDK: every operation on a checkpoint starts here.
 *
 * <pre>{@code
 * try (Model model = Wisca.open(Path.of("Llama-3.2-1B"))) {      // binds the llama spec
 *     RescalePlan plan = model.plan(RescaleSettings.paper());    // read-only statistics pass (Q/K + V/O, L1)
 *     model.apply(plan, Path.of("Llama-3.2-1B-wisca"));          // streaming write
 *     plan.save(Path.of("plan"));                                // small, invertible artifact
 * }
 * VerifyReport report = Wisca.verify(Path.of("Llama-3.2-1B"), Path.of("Llama-3.2-1B-wisca")).probes().run();
 * }</pre>
 *
 * Every method throws {@link dev.wisca.io.WiscaException} (with a kind, the file and the tensor)
 * for bad input, and nothing else.
 */
public final class Wisca {
    /** The metadata key of the stamp every rescaled shard carries (the applied plan's hash, pairs, norm, pow2). */
    public static final String PLAN_STAMP = AppliedStamp.KEY;

    private Wisca() {}

    /**
     * Opens a checkpoint bound to the spec of its config.json {@code model_type} (or a PEFT adapter). A
     * model_type without a spec is refused (UNKNOWN_ARCHITECTURE), so is a tensor the spec does not claim
     * (UNCLAIMED_TENSOR): wisca never guesses an architecture.
     */
    public static Model open(Path path) {
        return Model.open(path, SpecChoice.byModelType());
    }

    /**
     * Opens a checkpoint bound to the spec {@code choice} names: {@link SpecChoice#family another family's}
     * or {@link SpecChoice#file a user's spec file} (see the built-in specs for the format).
     */
    public static Model open(Path path, SpecChoice choice) {
        return Model.open(path, choice);
    }

    /**
     * The {@code wisca.plan} stamp {@code path} carries, if any: in its first shard's header, or in the side
     * file an in-place run writes beside a shard whose header had no room (the watcher's "already rescaled" test).
     */
    public static Optional<String> appliedStamp(Path path) {
        try (Checkpoint ckpt = Checkpoint.open(path)) {
            return PlanStamps.read(ckpt.shardFiles().getFirst(), PLAN_STAMP);
        }
    }

    /** Plans and applies in one call; returns the plan that was applied. */
    public static RescalePlan rescale(Path in, Path out, RescaleSettings settings) {
        return rescale(in, out, settings, Overwrite.NEVER);
    }

    /** As {@link #rescale(Path, Path, RescaleSettings)}; {@link Overwrite#REPLACE} replaces an existing output whole. */
    public static RescalePlan rescale(Path in, Path out, RescaleSettings settings, Overwrite overwrite) {
        try (Model model = open(in)) {
            return model.rescale(settings, out, overwrite);
        }
    }

    /**
     * A check that {@code b} computes the same function as {@code a}: set its mode, adapters, spec, tolerance
     * or device on the returned {@link Verification}, then {@link Verification#run() run} it.
     */
    public static Verification verify(Path a, Path b) {
        return new Verification(a, b);
    }

    /** Reads the headers (not the data) of a file, checkpoint folder, sharded checkpoint or adapter. */
    public static CheckpointSummary inspect(Path path) {
        try (Checkpoint ckpt = Checkpoint.open(path)) {
            List<CheckpointSummary.FileSummary> files = new ArrayList<>();
            List<CheckpointSummary.TensorSummary> tensors = new ArrayList<>();
            Map<String, Long> byDtype = new TreeMap<>();
            long bytes = 0;
            long elements = 0;
            for (SafetensorsFile f : ckpt.shardFiles()) {
                String file = f.path().getFileName().toString();
                files.add(new CheckpointSummary.FileSummary(file, f.fileSize(), f.header().headerLength(), f.tensors().size()));
                for (TensorInfo t : f.tensors()) {
                    tensors.add(new CheckpointSummary.TensorSummary(t.name(), t.dtype().headerName(), t.shape(), t.byteLength(), file));
                    byDtype.merge(t.dtype().headerName(), t.byteLength(), Long::sum);
                    bytes += t.byteLength();
                    elements += t.elementCount();
                }
            }
            String modelType = ckpt.configJson().map(c -> c.path("model_type").asText("")).orElse("");
            List<String> side = ckpt.sideFiles().stream().map(p -> p.getFileName().toString()).toList();
            return new CheckpointSummary(path, modelType, ckpt.isAdapter(), files, tensors,
                new LinkedHashMap<>(ckpt.metadata()), side, bytes, elements, byDtype);
        }
    }

    /**
     * Rewrites a checkpoint through the streaming writer with a new shard size, keeping every tensor's dtype.
     * A file gives a file, a folder a folder (side files copied).
     */
    public static ReshardResult reshard(Path in, Path out, long maxShardBytes) {
        return reshard(in, out, maxShardBytes, null, Overwrite.NEVER, Progress.NONE);
    }

    /** As {@link #reshard(Path, Path, long)}, converting every float tensor to {@code dtype} (rounded to nearest even). */
    public static ReshardResult reshard(Path in, Path out, long maxShardBytes, Dtype dtype) {
        return reshard(in, out, maxShardBytes, Objects.requireNonNull(dtype, "dtype"), Overwrite.NEVER, Progress.NONE);
    }

    /**
     * As above, {@code dtype} null keeping each tensor's own; never writes over, into or around {@code in}; an
     * existing output is replaced only with {@link Overwrite#REPLACE}. Reports the input bytes and tensors done
     * as phase {@code reshard}.
     */
    public static ReshardResult reshard(Path in, Path out, long maxShardBytes, Dtype dtype, Overwrite overwrite, Progress progress) {
        long bytes;
        int tensors;
        try (Checkpoint ckpt = Checkpoint.open(in)) {
            bytes = ckpt.tensors().stream().mapToLong(TensorInfo::byteLength).sum();
            tensors = ckpt.tensors().size();
        }
        progress.start("reshard", bytes, tensors);
        try {
            Reshard.Result r = Reshard.run(in, out, maxShardBytes, Optional.ofNullable(dtype), overwrite, done -> progress.advance(done, 1));
            return new ReshardResult(r.output(), r.weightFiles(), r.copiedFiles(), r.convertedTensors());
        } finally {
            progress.finish();
        }
    }

    /**
     * The shard file names a sharded checkpoint's index ({@code model.safetensors.index.json}) names, sorted,
     * each once. Refuses (INVALID_INDEX, ...) an index that cannot be read.
     */
    public static List<String> indexedShards(Path indexFile) {
        return ShardIndex.read(indexFile).weightMap().values().stream().distinct().sorted().toList();
    }
}
