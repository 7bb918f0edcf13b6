package dev.wisca.sdk;

import dev.wisca.io.Dtype;
import dev.wisca.io.SafetensorsFile;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.io.hf.Outputs;
import dev.wisca.io.hf.Overwrite;
import dev.wisca.io.hf.Reshard;
import dev.wisca.rescale.Progress;
import dev.wisca.rescale.forward.ComputeDevice;
import dev.wisca.rescale.forward.djl.DjlForwardProvider;
import dev.wisca.rescale.plan.Plan;
import dev.wisca.rescale.spec.SpecChoice;
import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.verify.CheckpointVerifier;
import dev.wisca.rescale.verify.VerifyOptions;
import dev.wisca.rescale.verify.VerifyReport;
import dev.wisca.rescale.plan.PlanStore;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The wisca SDK: every operation on a checkpoint starts here.
 *
 * <pre>{@code
 * RescaleSettings settings = RescaleSettings.paper();            // Q/K + V/O, tensor-wise, L1
 * try (Model model = Wisca.open(Path.of("Llama-3.2-1B"))) {      // binds the llama spec
 *     RescalePlan plan = model.plan(settings);                   // read-only statistics pass
 *     model.apply(plan.plan(), Path.of("Llama-3.2-1B-wisca"), settings);  // streaming write
 *     Wisca.savePlan(plan.plan(), Path.of("plan"));              // small, invertible artifact
 * }
 * CheckpointSummary s = Wisca.inspect(Path.of("Llama-3.2-1B-wisca"));
 * }</pre>
 *
 * Every method throws {@link dev.wisca.io.WiscaException} (with a kind, the file and the tensor)
 * for bad input, and nothing else.
 */
public final class Wisca {
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

    /** Opens a checkpoint bound to a spec of {@code library} (e.g. the watcher's, already {@link SpecLibrary#choosing chosen}). */
    public static Model open(Path path, SpecLibrary library) {
        return Model.open(path, library);
    }

    /** Plans and applies in one call; returns the plan that was applied. */
    public static RescalePlan rescale(Path in, Path out, RescaleSettings settings) {
        return rescale(in, out, settings, Overwrite.NEVER);
    }

    /** As {@link #rescale(Path, Path, RescaleSettings)}; {@link Overwrite#REPLACE} replaces an existing output whole. */
    public static RescalePlan rescale(Path in, Path out, RescaleSettings settings, Overwrite overwrite) {
        try (Model model = open(in)) {
            RescalePlan plan = model.plan(settings);
            model.apply(plan.plan(), out, settings, overwrite);
            return plan;
        }
    }

    /** Saves a plan as {@code plan.json} + {@code plan.safetensors} in {@code folder}. */
    public static void savePlan(Plan plan, Path folder) {
        savePlan(plan, folder, Overwrite.NEVER);
    }

    /** As {@link #savePlan(Plan, Path)}: the folder is written whole (built beside, swapped in); an existing one only with REPLACE. */
    public static void savePlan(Plan plan, Path folder, Overwrite overwrite) {
        Outputs.folder(folder, overwrite, List.of(), staging -> {
            PlanStore.save(plan, staging);
            return null;
        });
    }

    /** Loads a plan saved by {@link #savePlan}; a damaged or foreign plan fails with InvalidPlan. */
    public static Plan loadPlan(Path folder) {
        return PlanStore.load(folder);
    }

    /**
     * Checks that {@code b} computes the same function as {@code a}. {@link VerifyOptions#probes()}
     * compares every rescalable block with seeded probe vectors (fast, linear in the touched weights);
     * {@link VerifyOptions#full()} compares logits of a full forward pass (DJL PyTorch, f64 on CPU).
     * Full mode's tolerance is measured (A again with the tensors that differ from B perturbed by their dtype's
     * rounding, see the report's {@code measured()}) and its probe blocks are checked too; probe mode's is derived
     * from the stored dtypes; options may set one instead. Full mode refuses (UNCLAIMED_TENSOR) a checkpoint with a
     * tensor its forward pass does not read.
     */
    public static VerifyReport verify(Path a, Path b, VerifyOptions options) {
        return verify(a, b, Optional.empty(), Optional.empty(), SpecChoice.byModelType(), options, ComputeDevice.CPU);
    }

    /**
     * As {@link #verify(Path, Path, VerifyOptions)}, with PEFT adapters applied on either side, the spec
     * binding both checkpoints, and a device for the forward pass.
     */
    public static VerifyReport verify(Path a, Path b, Optional<Path> adapterA, Optional<Path> adapterB, SpecChoice spec,
                                      VerifyOptions options, ComputeDevice device) {
        SpecLibrary library = SpecLibrary.builtin().choosing(spec);
        return CheckpointVerifier.verify(a, b, adapterA, adapterB, options, library,
            Optional.of(new DjlForwardProvider(library, device)));
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
     * Rewrites a checkpoint through the streaming writer: new shard size and, optionally, a new
     * float dtype (rounded to nearest even). A file gives a file, a folder a folder (side files copied).
     */
    public static Reshard.Result reshard(Path in, Path out, long maxShardBytes, Optional<Dtype> dtype) {
        return reshard(in, out, maxShardBytes, dtype, Progress.NONE);
    }

    /** As {@link #reshard(Path, Path, long, Optional)}, reporting the input bytes and tensors done as phase {@code reshard}. */
    public static Reshard.Result reshard(Path in, Path out, long maxShardBytes, Optional<Dtype> dtype, Progress progress) {
        return reshard(in, out, maxShardBytes, dtype, Overwrite.NEVER, progress);
    }

    /** As above; never writes over, into or around {@code in}; an existing output is replaced only with {@link Overwrite#REPLACE}. */
    public static Reshard.Result reshard(Path in, Path out, long maxShardBytes, Optional<Dtype> dtype, Overwrite overwrite, Progress progress) {
        long bytes;
        int tensors;
        try (Checkpoint ckpt = Checkpoint.open(in)) {
            bytes = ckpt.tensors().stream().mapToLong(TensorInfo::byteLength).sum();
            tensors = ckpt.tensors().size();
        }
        progress.start("reshard", bytes, tensors);
        try {
            return Reshard.run(in, out, maxShardBytes, dtype, overwrite, done -> progress.advance(done, 1));
        } finally {
            progress.finish();
        }
    }
}
