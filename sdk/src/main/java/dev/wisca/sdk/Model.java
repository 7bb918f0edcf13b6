package dev.wisca.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.io.hf.Outputs;
import dev.wisca.io.hf.Overwrite;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.rescale.Progress;
import dev.wisca.rescale.apply.InPlaceApply;
import dev.wisca.rescale.graph.SiteOptions;
import dev.wisca.rescale.graph.SiteSet;
import dev.wisca.rescale.graph.SiteSets;
import dev.wisca.rescale.lora.LoraRebalance;
import dev.wisca.rescale.lora.LoraSites;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.apply.Apply;
import dev.wisca.rescale.plan.AppliedStamp;
import dev.wisca.rescale.plan.Plan;
import dev.wisca.rescale.plan.PlanSites;
import dev.wisca.rescale.plan.Planner;
import dev.wisca.rescale.plan.PlanStore;
import dev.wisca.rescale.apply.MomentApply;
import dev.wisca.rescale.pattern.PatternReport;
import dev.wisca.rescale.pattern.PatternStats;
import dev.wisca.rescale.spec.ArchSpec;
import dev.wisca.rescale.spec.ModelBinding;
import dev.wisca.rescale.spec.SpecChoice;
import dev.wisca.rescale.spec.SpecLibrary;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * An opened checkpoint (file, folder, sharded folder or PEFT adapter) with its architecture
 * detected. Reading is memory-mapped; nothing is loaded until a plan or apply needs it.
 * Close it when done.
 */
public final class Model implements AutoCloseable {
    private static final String ADAPTER_CONFIG = "adapter_config.json";

    private final Checkpoint checkpoint;
    private final Optional<ArchSpec> spec;
    private final SpecLibrary library;

    private Model(Checkpoint checkpoint, Optional<ArchSpec> spec, SpecLibrary library) {
        this.checkpoint = checkpoint;
        this.spec = spec;
        this.library = library;
    }

    static Model open(Path path, SpecChoice choice) {
        return open(path, SpecLibrary.builtin().choosing(choice));
    }

    static Model open(Path path, SpecLibrary library) {
        Checkpoint ckpt = Checkpoint.open(path);
        try {
            if (ckpt.isAdapter()) return new Model(ckpt, Optional.empty(), library);
            JsonNode config = ckpt.configJson().orElseThrow(() -> new WiscaException(ErrorKind.INVALID_CONFIG, ckpt.folder(), null,
                "no config.json next to the weights; wisca needs it to know the architecture (copy it from the original model folder)"));
            ArchSpec arch = library.specFor(config);
            ModelBinding.bind(arch, config, ckpt.tensors());   // refuses now, before any work, what the spec does not describe
            return new Model(ckpt, Optional.of(arch), library);
        } catch (WiscaException e) {
            WiscaException named = named(e, ckpt);
            ckpt.close();
            throw named;
        } catch (RuntimeException e) {
            ckpt.close();
            throw e;
        }
    }

    /** The underlying tensors (zero-copy), for the SDK's own classes and tests. */
    Checkpoint checkpoint() { return checkpoint; }

    /** The model_type of the detected spec, or {@code lora} for an adapter. */
    public String architecture() { return spec.map(ArchSpec::name).orElse("lora"); }

    public boolean isAdapter() { return spec.isEmpty(); }

    /** The scale sites for these options (and the sites the architecture cannot offer, with reasons). */
    SiteSet sites(SiteOptions options) {
        if (spec.isPresent()) {
            JsonNode config = checkpoint.configJson().orElseThrow();
            try {
                return SiteSets.build(spec.get(), config, checkpoint.tensors(), options);
            } catch (WiscaException e) {
                throw named(e, checkpoint);
            }
        }
        if (!options.wants(Pair.LORA)) {
            throw new WiscaException(ErrorKind.INVALID_ARGUMENT, checkpoint.folder(), null,
                "this is a PEFT adapter: rescale it with setting 'pairs' lora (only LoRA A/B pairs live in an adapter)");
        }
        try {
            return LoraSites.build(library.lora(), adapterConfig(), checkpoint.tensors());
        } catch (WiscaException e) {
            boolean aboutTheConfig = e.kind() == ErrorKind.INVALID_CONFIG || e.kind() == ErrorKind.UNKNOWN_ARCHITECTURE;
            throw aboutTheConfig ? named(e, checkpoint.folder().resolve(ADAPTER_CONFIG)) : named(e, checkpoint.folder());
        }
    }

    /**
     * Reads statistics (read-only, parallel over tensors) and solves every site. The plan travels with
     * {@code settings}: apply and undo compute where and how they say.
     *
     * @throws WiscaException NO_MATCHING_SITES when the settings' pairs name no site of this model
     */
    public RescalePlan plan(RescaleSettings settings) {
        return plan(settings, nonEmptySites(settings));
    }

    private RescalePlan plan(RescaleSettings settings, SiteSet sites) {
        Plan plan = Planner.plan(checkpoint, sites.sites(), settings);
        return new RescalePlan(architecture(), plan, sites.skipped(), settings, checkpoint.inputs());
    }

    private SiteSet nonEmptySites(RescaleSettings settings) {
        SiteSet sites = sites(settings.sites());
        if (sites.sites().isEmpty()) throw noSites(settings.sites(), sites);
        return sites;
    }

    /** Streams this checkpoint through {@code plan} into {@code out} (same layout, side files copied); {@code out} must not exist. */
    public void apply(RescalePlan plan, Path out) {
        apply(plan, out, Overwrite.NEVER);
    }

    /**
     * As {@link #apply(RescalePlan, Path)}; {@link Overwrite#REPLACE} replaces an existing
     * output whole. Never writes over, into or around this checkpoint ({@code OutputOverlapsInput}).
     * Refuses a plan made for another checkpoint (PLAN_MISMATCH: the content fingerprint of a touched
     * tensor differs), one whose factors are not exact inverse pairs on this model's sites (INVALID_PLAN),
     * and an output whose scaled values leave the dtype's range (VALUE_OUT_OF_RANGE, nothing published).
     */
    public void apply(RescalePlan plan, Path out, Overwrite overwrite) {
        check(plan.engine(), plan.engine());
        write(out, overwrite, target -> Apply.run(checkpoint, plan.engine(), target, plan.settings()));
    }

    /**
     * Plans and applies in one: the plan {@link #plan(RescaleSettings)} makes and the output
     * {@link #apply(RescalePlan, Path, Overwrite)} writes with it, byte for byte, with the same refusals, but
     * sooner: while the statistics are read, the parts of the output that copy tensors no site touches are
     * already written (into the output's staging, published only with the rest). What {@code wisca rescale}
     * and {@link Wisca#rescale} run.
     */
    public RescalePlan rescale(RescaleSettings settings, Path out, Overwrite overwrite) {
        SiteSet sites = nonEmptySites(settings);
        Set<String> siteTensors = new HashSet<>();
        sites.sites().forEach(site -> site.members().forEach(m -> siteTensors.add(m.tensor())));
        String provisional = AppliedStamp.provisional(sites.sites(), settings.solver(), name -> checkpoint.tensor(name).dtype());
        RescalePlan[] planned = new RescalePlan[1];
        // Not apply's check(plan, plan): this plan is solved here, on these sites of this open checkpoint, so its
        // factors are the inverse pairs FactorTable builds from its scales (what requireInversePairs would rebuild
        // with the same code), and Apply.planAndRun still compares its digests with the checkpoint before writing.
        // Skipping the rebuild takes 30-70 ms off the time between the statistics and the writer's start.
        write(out, overwrite, target -> Apply.planAndRun(checkpoint, siteTensors, provisional, () -> {
            planned[0] = plan(settings, sites);
            return planned[0].engine();
        }, target, settings));
        return planned[0];
    }

    /**
     * For a caller that publishes the files itself (the watcher's journaled in-place swap): writes each shard
     * of this checkpoint rescaled by {@code plan} to {@code target.apply(shard file name)}, one file per shard
     * (stamped like {@link #apply}), and tells {@code written} its name when it is complete. Checks the plan as
     * apply does; the targets may lie inside this checkpoint's folder, never on a shard.
     */
    public void applyShards(RescalePlan plan, Function<String, Path> target, Consumer<String> written) {
        check(plan.engine(), plan.engine());
        String stamp = AppliedStamp.of(plan.engine());
        for (Path shard : checkpoint.shards()) {
            String name = shard.getFileName().toString();
            Path file = target.apply(name);
            Outputs.checkApart(file, checkpoint.shards());
            try (Checkpoint one = Checkpoint.open(shard)) {
                Apply.stream(one, plan.engine().factors(), file, stamp, plan.settings());
            }
            written.accept(name);
        }
    }

    /**
     * For an in-place writer (the watcher): saves {@code plan} as the sub-folder {@code name} of this
     * checkpoint's folder, replacing one an interrupted run left, so the rescale can be undone later. The
     * folder is written whole (built beside, swapped in) and never onto a shard. Returns where.
     */
    public Path keepPlan(RescalePlan plan, String name) {
        Path target = checkpoint.folder().resolve(name);
        if (!target.getParent().equals(checkpoint.folder()) || name.isEmpty()) {
            throw WiscaException.invalidArgument("a kept plan's name must be a plain folder name, got '" + name + "'");
        }
        Outputs.folder(target, Overwrite.REPLACE, checkpoint.shards(), staging -> {
            PlanStore.save(plan.engine(), staging);
            return null;
        });
        return target;
    }

    /** Writes this checkpoint with {@code plan} undone (the reciprocal factors) into {@code out}, which must not exist. */
    public void undo(RescalePlan plan, Path out) {
        undo(plan, out, Overwrite.NEVER);
    }

    /**
     * As {@link #undo(RescalePlan, Path)}, replacing an existing output with {@link Overwrite#REPLACE}.
     * Refuses (PLAN_MISMATCH) unless every shard carries the {@code wisca.plan} stamp of exactly this plan,
     * and a plan whose factors are not exact inverse pairs (INVALID_PLAN).
     */
    public void undo(RescalePlan plan, Path out, Overwrite overwrite) {
        AppliedStamp.requireApplied(checkpoint, plan.engine());
        Plan inverse = plan.engine().inverse();
        check(plan.engine(), inverse);   // the rescaled weights: names, dtypes, shapes (the digests are of the original)
        write(out, overwrite, target -> Apply.run(checkpoint, inverse, target, plan.settings()));
    }

    /**
     * Weight-pattern statistics of this checkpoint (per tensor; per attention head when it has a spec), read in
     * parallel on all cores.
     */
    public PatternReport stats() {
        Optional<ModelBinding> binding = spec.map(arch -> ModelBinding.bind(arch, checkpoint.configJson().orElseThrow(), checkpoint.tensors()));
        return Checkpoint.guarded(List.of(checkpoint),
            () -> PatternStats.compute(checkpoint, binding, RescaleSettings.defaultParallelism(), Progress.NONE));
    }

    /**
     * Rescales this checkpoint in place: only the planned tensors' bytes (and each header's stamp) are
     * rewritten, crash-safely (a write-ahead journal: a process killed at any instant leaves, once
     * any wisca command next opens it, the original or the result). The same refusals as
     * {@link #apply(RescalePlan, Path, Overwrite)}, plus CHECKPOINT_BUSY while another in-place
     * run holds the checkpoint and FILE_CHANGED when a shard changed since this model was opened. This
     * model then reads the rescaled values but its headers are those seen at open: reopen it to see
     * the new stamp.
     */
    public void applyInPlace(RescalePlan plan) {
        check(plan.engine(), plan.engine());
        InPlaceApply.run(checkpoint, plan.engine().factors(), AppliedStamp.of(plan.engine()), plan.settings());
    }

    /**
     * Undoes {@code plan} in place (the reciprocal factors), as crash-safe as {@link #applyInPlace}; the
     * same provenance refusals as {@link #undo(RescalePlan, Path, Overwrite)}.
     */
    public void undoInPlace(RescalePlan plan) {
        AppliedStamp.requireApplied(checkpoint, plan.engine());
        Plan inverse = plan.engine().inverse();
        check(plan.engine(), inverse);
        InPlaceApply.run(checkpoint, inverse.factors(), AppliedStamp.of(inverse), plan.settings());
    }

    private void write(Path out, Overwrite overwrite, Consumer<Path> writer) {
        Outputs.like(checkpoint, out, overwrite, List.of(), target -> {
            writer.accept(target);
            return null;
        });
    }

    /** {@code applied} fits this checkpoint (names, dtypes, shapes, content) and {@code plan} pairs every factor with its inverse. */
    private void check(Plan plan, Plan applied) {
        try {
            applied.checkMatches(checkpoint);
            Set<Pair> pairs = EnumSet.noneOf(Pair.class);
            plan.reports().forEach(r -> pairs.add(r.pair()));
            PlanSites.requireInversePairs(plan, checkpoint, g -> sites(new SiteOptions(pairs, g)));
        } catch (WiscaException e) {
            throw named(e, checkpoint);
        }
    }

    private WiscaException noSites(SiteOptions options, SiteSet sites) {
        String pairs = String.join(",", options.pairs().stream().map(Pair::cliName).toList());
        String skipped = sites.skipped().isEmpty() ? "" : "; skipped: " + String.join("; ", sites.skipped().stream()
            .limit(4).map(s -> s.id() + " (" + s.reason() + ")").toList()) + (sites.skipped().size() > 4 ? "; ..." : "");
        return new WiscaException(ErrorKind.NO_MATCHING_SITES, checkpoint.folder(), null, "--pairs " + pairs + " matches no site of"
            + " this " + architecture() + " model" + skipped + "; nothing to rescale (see 'wisca plan' for the sites it has)");
    }

    /**
     * For a PEFT adapter: replaces every LoRA pair by its balanced refactorization (B'A' = BA, equal
     * norms per singular direction; QR + small SVD in f64, rounded once). Not a diagonal plan, so there
     * is no undo; fresh adapters (B = 0) are copied unchanged and listed in the result.
     */
    public RefactoredAdapter refactorLora(Path out) {
        return refactorLora(out, Overwrite.NEVER);
    }

    /** As {@link #refactorLora(Path)}, replacing an existing output with {@link Overwrite#REPLACE}. */
    public RefactoredAdapter refactorLora(Path out, Overwrite overwrite) {
        if (!isAdapter()) {
            throw new WiscaException(ErrorKind.INVALID_ARGUMENT, checkpoint.folder(), null, "setting 'loraRefactor' needs a PEFT adapter folder (adapter_model.safetensors)");
        }
        LoraRebalance.Result done = Checkpoint.guarded(List.of(checkpoint),
            () -> Outputs.folder(out, overwrite, checkpoint.inputs(), staging -> LoraRebalance.run(checkpoint, library.lora(), staging)));
        return new RefactoredAdapter(done.refactored(), done.skipped());
    }

    /**
     * Writes the optimizer state this checkpoint's folder holds ({@link OptimizerState}: the Trainer's
     * optimizer.pt, optimizer*.safetensors) with its Adam moments following {@code plan} into
     * {@code outFolder} (the folder {@link #apply} wrote), replacing the unchanged copies there.
     * Refuses (INVALID_ARGUMENT) a folder without optimizer state, (INVALID_OPTIMIZER_STATE) one whose
     * state indices cannot be mapped to this checkpoint's parameters without guessing.
     *
     * @return how many moment tensors were transformed
     */
    public int rescaleOptimizerState(RescalePlan plan, Path outFolder) {
        OptimizerState state = OptimizerState.in(checkpoint.folder()).requirePresent();
        state.check(plan, this);
        return state.transform(plan, this, outFolder);
    }

    /** Every check {@link #rescaleOptimizerState} makes, writing nothing: call it before {@link #apply} so a refusal leaves no output. */
    public void checkOptimizerState(RescalePlan plan) {
        OptimizerState.in(checkpoint.folder()).requirePresent().check(plan, this);
    }

    /** As {@link #rescaleOptimizerState} with {@code plan} undone; refuses (PLAN_MISMATCH) moments not rescaled by it. */
    public int undoOptimizerState(RescalePlan plan, Path outFolder) {
        return OptimizerState.in(checkpoint.folder()).undo(plan, this, outFolder);
    }

    /** Every check {@link #undoOptimizerState} makes, writing nothing: call it before {@link #undo} so a refusal leaves no output. */
    public void checkOptimizerStateUndo(RescalePlan plan) {
        OptimizerState.in(checkpoint.folder()).checkUndo(plan, this);
    }

    @Override
    public void close() { checkpoint.close(); }

    /**
     * The same error, naming the file when the engine could not (it sees tensors, not files): the shard
     * holding the named tensor, else the checkpoint folder.
     */
    private static WiscaException named(WiscaException e, Path file) {
        return e.path().isPresent() ? e : new WiscaException(e.kind(), file, e.tensor().orElse(null), e.detail(), e);
    }

    private static WiscaException named(WiscaException e, Checkpoint ckpt) {
        if (e.path().isPresent()) return e;
        Path file = e.tensor().flatMap(ckpt::find).map(t -> t.file()).orElse(ckpt.folder());
        return new WiscaException(e.kind(), file, e.tensor().orElse(null), e.detail(), e);
    }

    private JsonNode adapterConfig() {
        Path file = checkpoint.folder().resolve(ADAPTER_CONFIG);
        try {
            JsonNode config = new ObjectMapper().readTree(Files.readString(file));
            if (config == null || !config.isObject()) throw new WiscaException(ErrorKind.INVALID_CONFIG, file, null, "expected a JSON object");
            return config;
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.INVALID_CONFIG, file, null, "cannot read the adapter config: " + e.getMessage(), e);
        }
    }
}
