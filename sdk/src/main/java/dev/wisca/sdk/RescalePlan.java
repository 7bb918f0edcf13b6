package dev.wisca.sdk;

import dev.wisca.rescale.graph.SkippedSite;
import dev.wisca.rescale.plan.Plan;

import java.util.List;

/**
 * A solved plan together with what could not be rescaled and why.
 *
 * @param architecture the spec that was used (model_type, or {@code lora} for adapters)
 * @param plan         per-tensor factors and per-site reports; save it with {@link Wisca#savePlan}
 * @param skipped      sites the architecture has no exact symmetry for, with the reason
 */
public record RescalePlan(String architecture, Plan plan, List<SkippedSite> skipped) {
    public RescalePlan {
        skipped = List.copyOf(skipped);
    }
}
