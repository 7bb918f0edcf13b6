package dev.wisca.rescale;

import dev.wisca.io.TensorSource;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.rescale.apply.Apply;
import dev.wisca.rescale.apply.MomentApply;
import dev.wisca.rescale.apply.OptimizerPtApply;
import dev.wisca.io.torch.TorchArchive;
import dev.wisca.rescale.graph.Site;
import dev.wisca.rescale.plan.Plan;
import dev.wisca.rescale.plan.Planner;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Entry point for the SDK and CLI: sites + checkpoint → plan; plan + checkpoint → rescaled checkpoint. */
public final class Rescaler {
    private Rescaler() {}

    /** Reads statistics (read-only, parallel) and solves every site, stage by stage. */
    public static Plan plan(TensorSource source, List<Site> sites, RescaleOptions options) {
        return Planner.plan(source, sites, options.solver(), options.backend(), options.parallelism(), options.progress());
    }

    /** Writes {@code in} rescaled by {@code plan} to {@code out} (a file for a file, a folder for a folder). */
    public static void apply(Checkpoint in, Plan plan, Path out, RescaleOptions options) {
        Apply.run(in, plan, out, options.apply());
    }

    /** Writes {@code in} with {@code plan} undone: the reciprocal factors. */
    public static void undo(Checkpoint in, Plan plan, Path out, RescaleOptions options) {
        Apply.run(in, plan.inverse(), out, options.apply());
    }

    /** Transforms optimizer moments consistently with {@code plan}; returns how many were transformed. */
    public static int applyToMoments(Checkpoint moments, Plan plan, Path out, RescaleOptions options) {
        return MomentApply.run(moments, plan, out, options.momentSuffixes(), options.apply());
    }

    /**
     * Transforms the moments inside a torch optimizer state archive (the Trainer's optimizer.pt) into
     * {@code out}, mapping its state indices to the checkpoint tensors {@code shapes}; writes {@code stamp}
     * as the archive comment. Returns how many moment tensors were transformed.
     */
    public static int applyToOptimizerArchive(TorchArchive archive, Plan plan, Map<String, long[]> shapes, Path out,
                                              RescaleOptions options, String stamp) {
        return OptimizerPtApply.run(archive, plan, shapes, out, options.momentSuffixes(), options.apply(), stamp);
    }

    /** Every check {@link #applyToOptimizerArchive} makes, writing nothing. */
    public static void checkOptimizerArchive(TorchArchive archive, Plan plan, Map<String, long[]> shapes, RescaleOptions options) {
        OptimizerPtApply.moments(archive, plan, shapes, options.momentSuffixes());
    }
}
