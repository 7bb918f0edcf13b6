package dev.wisca.rescale;

import dev.wisca.io.TensorSource;
import dev.wisca.rescale.graph.Site;
import dev.wisca.rescale.plan.Plan;
import dev.wisca.rescale.plan.Planner;
import java.util.List;

/** Entry point for the SDK and CLI: sites + checkpoint → plan; plan + checkpoint → rescaled checkpoint. */
public final class Rescaler {
    private Rescaler() {}

    /** Reads statistics (read-only, parallel) and solves every site, stage by stage. */
    public static Plan plan(TensorSource source, List<Site> sites, RescaleOptions options) {
        return Planner.plan(source, sites, options.solver(), options.backend(), options.parallelism());
    }
}
