package dev.wisca.sdk;

import dev.wisca.io.hf.Outputs;
import dev.wisca.io.hf.Overwrite;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.rescale.graph.SkippedSite;
import dev.wisca.rescale.plan.Plan;
import dev.wisca.rescale.plan.PlanStore;
import dev.wisca.rescale.solve.SiteReport;
import dev.wisca.rescale.solve.SolverOptions;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A solved plan: one factor vector per tensor axis, what each site got, what could not be rescaled and why,
 * and the settings it travels with ({@link Model#apply} and {@link Model#undo} compute where and how they say).
 * Small and invertible: {@link #save} it beside the rescaled checkpoint to undo it later ({@link #load}).
 */
public final class RescalePlan {
    private final String architecture;
    private final Plan plan;
    private final List<SkippedSite> skipped;
    private final RescaleSettings settings;
    /** Paths a save must keep apart from: the inputs of the checkpoint it was planned on. */
    private final List<Path> inputs;

    RescalePlan(String architecture, Plan plan, List<SkippedSite> skipped, RescaleSettings settings, List<Path> inputs) {
        this.architecture = Objects.requireNonNull(architecture);
        this.plan = Objects.requireNonNull(plan);
        this.skipped = List.copyOf(skipped);
        this.settings = Objects.requireNonNull(settings);
        this.inputs = List.copyOf(inputs);
    }

    /**
     * Loads a plan saved by {@link #save}; a damaged or foreign plan fails with INVALID_PLAN. It travels with
     * {@link RescaleSettings#paper()}'s device, threads and progress until {@link #withSettings} says otherwise.
     */
    public static RescalePlan load(Path folder) {
        return new RescalePlan("", PlanStore.load(folder), List.of(), RescaleSettings.paper(), List.of());
    }

    /** Saves this plan as {@code plan.json} + {@code plan.safetensors} in {@code folder}, which must not exist. */
    public void save(Path folder) { save(folder, Overwrite.NEVER); }

    /**
     * As {@link #save(Path)}: the folder is written whole (built beside, swapped in), an existing one replaced
     * only with {@link Overwrite#REPLACE}, never over, into or around the checkpoint this plan was made for.
     */
    public void save(Path folder, Overwrite overwrite) {
        Outputs.folder(folder, overwrite, inputs, staging -> {
            PlanStore.save(plan, staging);
            return null;
        });
    }

    /** Per pair kind: sites, channels, scale range, worst imbalance before/after; what {@code wisca plan} prints. */
    public PlanSummary summary() { return PlanSummary.of(this); }

    /** The plan that undoes this one (the reciprocal factors); applying it to the rescaled checkpoint restores the original. */
    public RescalePlan inverse() { return new RescalePlan(architecture, plan.inverse(), skipped, settings, inputs); }

    /** The same plan, applied with {@code s}'s device, threads and progress (its sites and solver are those it was made with). */
    public RescalePlan withSettings(RescaleSettings s) { return new RescalePlan(architecture, plan, skipped, s, inputs); }

    /** The spec's model_type it was made for ({@code lora} for adapters; empty when loaded from a file). */
    public String architecture() { return architecture; }

    /** Content hash of the factors (and whether it is an undo): what the {@code wisca.plan} stamp records. */
    public String hash() { return plan.hash(); }

    /** Whether this is the inverse of a rescale. */
    public boolean isUndo() { return plan.undo(); }

    /** One report per site: pair, channels, scales and imbalance before/after, notes. */
    public List<SiteReport> reports() { return plan.reports(); }

    /** The names of the tensors this plan scales (every other tensor is copied unchanged). */
    public Set<String> tensors() { return plan.factors().keySet(); }

    /** Per site id, the scale of each of its channels. */
    public Map<String, double[]> siteScales() { return plan.siteScales(); }

    /** The solver options the scales were chosen with. */
    public SolverOptions solver() { return plan.options(); }

    /** Sites the architecture has no exact symmetry for, with the reason. */
    public List<SkippedSite> skipped() { return skipped; }

    /** What {@link Model#apply} and {@link Model#undo} compute with. */
    public RescaleSettings settings() { return settings; }

    /** The engine's plan (sdk-internal). */
    Plan engine() { return plan; }
}
