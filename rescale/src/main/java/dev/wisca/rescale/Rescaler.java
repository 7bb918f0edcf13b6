package dev.wisca.rescale;

import dev.wisca.io.TensorSource;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.rescale.apply.Apply;
import dev.wisca.rescale.apply.MomentApply;
import dev.wisca.rescale.graph.Site;
import dev.wisca.rescale.plan.Plan;
import dev.wisca.rescale.plan.Planner;
import java.nio.file.Path;
import java.util.List;

/** Entry point for the SDK and CLI: sites + checkpoint → plan; plan + checkpoint → rescaled checkpoint. */
public final class Rescaler {
    private Rescaler() {}

    /** Reads statistics (read-only, parallel) and solves every site, stage by stage. */
    public static Plan plan(TensorSource source, List<Site> sites, RescaleSettings settings) {
        return Planner.plan(source, sites, settings);
    }

    /** Writes {@code in} rescaled by {@code plan} to {@code out} (a file for a file, a folder for a folder). */
    public static void apply(Checkpoint in, Plan plan, Path out, RescaleSettings settings) {
        Apply.run(in, plan, out, settings);
    }

    /** Writes {@code in} with {@code plan} undone: the reciprocal factors. */
    public static void undo(Checkpoint in, Plan plan, Path out, RescaleSettings settings) {
        Apply.run(in, plan.inverse(), out, settings);
    }

    /** Transforms optimizer moments consistently with {@code plan}; returns how many were transformed. */
    public static int applyToMoments(Checkpoint moments, Plan plan, Path out, RescaleSettings settings) {
        return MomentApply.run(moments, plan, out, settings);
    }
}
