package dev.wisca.sdk;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.WiscaException;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.io.torch.TorchArchive;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.rescale.apply.MomentApply;
import dev.wisca.rescale.apply.OptimizerPtApply;
import dev.wisca.rescale.plan.AppliedStamp;
import dev.wisca.rescale.plan.Plan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The optimizer state a training checkpoint folder holds: the Trainer's {@code optimizer.pt} (a
 * torch.save archive) and/or {@code optimizer*.safetensors} (tensors {@code <param>.exp_avg}, ...).
 * Its Adam moments follow the weights' plan: m/(r c) and v/(r c)², written under the same file names
 * into another folder; undo restores them. An optimizer.pt records the plan applied to it in its zip
 * comment ({@code wisca.plan <hash>}), the safetensors moments in their header, so undo can refuse
 * moments that were never rescaled by that plan.
 */
public final class OptimizerState {
    /** The file transformers.Trainer saves the optimizer's state_dict() to. */
    public static final String TRAINER_FILE = "optimizer.pt";

    private final Path folder;
    private final List<Path> files;

    private OptimizerState(Path folder, List<Path> files) {
        this.folder = folder;
        this.files = files;
    }

    /** The optimizer state files in {@code folder} (none when it holds none, or is a file). */
    public static OptimizerState in(Path folder) {
        if (!Files.isDirectory(folder)) return new OptimizerState(folder, List.of());
        try (Stream<Path> all = Files.list(folder)) {
            return new OptimizerState(folder, all.filter(p -> Files.isRegularFile(p) && isState(p.getFileName().toString())).sorted().toList());
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, folder, null, "cannot list: " + e, e);
        }
    }

    /** Whether a file of this name is optimizer state wisca transforms. */
    public static boolean isState(String fileName) {
        return fileName.equals(TRAINER_FILE) || fileName.startsWith("optimizer") && fileName.endsWith(".safetensors");
    }

    public List<Path> files() { return files; }

    public boolean isEmpty() { return files.isEmpty(); }

    /**
     * Every check {@link #transform} makes (each optimizer.pt read and mapped to {@code weights}), writing
     * nothing. Call it before writing the weights.
     */
    public void check(RescalePlan rescale, Model weights) {
        Plan plan = rescale.engine();
        RescaleSettings engine = rescale.settings();
        for (Path file : files) {
            if (!file.getFileName().toString().equals(TRAINER_FILE)) continue;
            try (TorchArchive archive = TorchArchive.open(file)) {
                OptimizerPtApply.moments(archive, plan, shapes(weights), MomentApply.ADAM_SUFFIXES);
            }
        }
    }

    /**
     * Writes every file transformed by {@code plan} into {@code outFolder} (same names, each written
     * atomically, replacing a file of that name there). {@code weights} is the model the plan was
     * made for (its tensor names and shapes map optimizer.pt's indices to parameters). Returns how many
     * moment tensors were transformed; INVALID_OPTIMIZER_STATE when a file cannot be read or mapped.
     */
    public int transform(RescalePlan rescale, Model weights, Path outFolder) {
        Plan plan = rescale.engine();
        RescaleSettings engine = rescale.settings();
        int n = 0;
        for (Path file : files) {
            Path target = outFolder.resolve(file.getFileName());
            if (file.getFileName().toString().equals(TRAINER_FILE)) {
                try (TorchArchive archive = TorchArchive.open(file)) {
                    n += OptimizerPtApply.run(archive, plan, shapes(weights), target, MomentApply.ADAM_SUFFIXES, engine, OptimizerPtApply.STAMP_PREFIX + plan.hash());
                }
            } else {
                try (Checkpoint moments = Checkpoint.open(file)) {
                    n += MomentApply.run(moments, plan, target, engine);
                }
            }
        }
        return n;
    }

    /**
     * Writes every file with {@code plan} undone into {@code outFolder}. Refuses (PLAN_MISMATCH) a file
     * whose moments do not carry the stamp of exactly this plan: they were not rescaled by it.
     */
    public int undo(RescalePlan rescale, Model weights, Path outFolder) {
        Plan plan = rescale.engine();
        RescaleSettings engine = rescale.settings();
        checkUndo(rescale, weights);
        int n = 0;
        for (Path file : files) {
            Path target = outFolder.resolve(file.getFileName());
            if (file.getFileName().toString().equals(TRAINER_FILE)) {
                try (TorchArchive archive = TorchArchive.open(file)) {
                    n += OptimizerPtApply.run(archive, plan.inverse(), shapes(weights), target, MomentApply.ADAM_SUFFIXES, engine, "");
                }
            } else {
                try (Checkpoint moments = Checkpoint.open(file)) {
                    n += MomentApply.run(moments, plan.inverse(), target, engine);
                }
            }
        }
        return n;
    }

    /** Every check {@link #undo} makes (state present, every file stamped with this plan, optimizer.pt mapped), writing nothing. */
    public void checkUndo(RescalePlan rescale, Model weights) {
        Plan plan = rescale.engine();
        RescaleSettings engine = rescale.settings();
        requirePresent();
        for (Path file : files) {
            if (file.getFileName().toString().equals(TRAINER_FILE)) {
                try (TorchArchive archive = TorchArchive.open(file)) {
                    if (!archive.comment().equals(OptimizerPtApply.STAMP_PREFIX + plan.hash())) {
                        throw WiscaException.of(ErrorKind.PLAN_MISMATCH, file, "its moments were not rescaled by plan " + plan.hash()
                            + (archive.comment().isEmpty() ? " (no wisca stamp: rescaled without --optimizer-state?)" : " (" + archive.comment() + ")"));
                    }
                    OptimizerPtApply.moments(archive, plan.inverse(), shapes(weights), MomentApply.ADAM_SUFFIXES);
                }
            } else {
                try (Checkpoint moments = Checkpoint.open(file)) {
                    AppliedStamp.requireApplied(moments, plan);
                }
            }
        }
    }

    /** Refuses (INVALID_ARGUMENT) a folder that holds no optimizer state: asked for, it would silently do nothing. */
    public OptimizerState requirePresent() {
        if (files.isEmpty()) {
            throw WiscaException.of(ErrorKind.INVALID_ARGUMENT, folder,
                "--optimizer-state: this checkpoint folder holds no optimizer.pt or optimizer*.safetensors");
        }
        return this;
    }

    private static Map<String, long[]> shapes(Model weights) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (TensorInfo t : weights.checkpoint().tensors()) shapes.put(t.name(), t.shape());
        return shapes;
    }
}
