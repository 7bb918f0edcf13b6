package dev.wisca.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.io.hf.Outputs;
import dev.wisca.io.hf.Overwrite;
import dev.wisca.rescale.RescaleOptions;
import dev.wisca.rescale.Rescaler;
import dev.wisca.rescale.apply.Apply;
import dev.wisca.rescale.apply.InPlaceApply;
import dev.wisca.rescale.graph.SiteOptions;
import dev.wisca.rescale.graph.SiteSet;
import dev.wisca.rescale.graph.SymmetryGraph;
import dev.wisca.rescale.lora.LoraRebalance;
import dev.wisca.rescale.lora.LoraSites;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.plan.AppliedStamp;
import dev.wisca.rescale.plan.Plan;
import dev.wisca.rescale.plan.PlanSites;
import dev.wisca.rescale.plan.PlanStore;
import dev.wisca.rescale.spec.ArchSpec;
import dev.wisca.rescale.spec.ModelBinding;
import dev.wisca.rescale.spec.SpecChoice;
import dev.wisca.rescale.spec.SpecLibrary;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

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

    /** The underlying tensors (zero-copy). */
    public Checkpoint checkpoint() { return checkpoint; }

    /** The model_type of the detected spec, or {@code lora} for an adapter. */
    public String architecture() { return spec.map(ArchSpec::name).orElse("lora"); }

    public boolean isAdapter() { return spec.isEmpty(); }

    /** The scale sites for these options (and the sites the architecture cannot offer, with reasons). */
    public SiteSet sites(SiteOptions options) {
        if (spec.isPresent()) {
            JsonNode config = checkpoint.configJson().orElseThrow();
            try {
                return SymmetryGraph.build(spec.get(), config, checkpoint.tensors(), options);
            } catch (WiscaException e) {
                throw named(e, checkpoint);
            }
        }
        if (!options.wants(dev.wisca.rescale.graph.Pair.LORA)) {
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
     * Reads statistics (read-only, parallel over tensors) and solves every site.
     *
     * @throws WiscaException NO_MATCHING_SITES when the settings' pairs name no site of this model
     */
    public RescalePlan plan(RescaleSettings settings) {
        SiteSet sites = sites(settings.sites());
        if (sites.sites().isEmpty()) throw noSites(settings.sites(), sites);
        Plan plan = Rescaler.plan(checkpoint, sites.sites(), options(settings));
        return new RescalePlan(architecture(), plan, sites.skipped());
    }

    /** Streams this checkpoint through {@code plan} into {@code out} (same layout, side files copied); {@code out} must not exist. */
    public void apply(Plan plan, Path out, RescaleSettings settings) {
        apply(plan, out, settings, Overwrite.NEVER);
    }

    /**
     * As {@link #apply(Plan, Path, RescaleSettings)}; {@link Overwrite#REPLACE} replaces an existing
     * output whole. Never writes over, into or around this checkpoint ({@code OutputOverlapsInput}).
     * Refuses a plan made for another checkpoint (PLAN_MISMATCH: the content fingerprint of a touched
     * tensor differs), one whose factors are not exact inverse pairs on this model's sites (INVALID_PLAN),
     * and an output whose scaled values leave the dtype's range (VALUE_OUT_OF_RANGE, nothing published).
     */
    public void apply(Plan plan, Path out, RescaleSettings settings, Overwrite overwrite) {
        check(plan, plan);
        write(out, overwrite, target -> Rescaler.apply(checkpoint, plan, target, options(settings)));
    }

    /** Writes this checkpoint with {@code plan} undone (the reciprocal factors) into {@code out}, which must not exist. */
    public void undo(Plan plan, Path out, RescaleSettings settings) {
        undo(plan, out, settings, Overwrite.NEVER);
    }

    /**
     * As {@link #undo(Plan, Path, RescaleSettings)}, replacing an existing output with {@link Overwrite#REPLACE}.
     * Refuses (PLAN_MISMATCH) unless every shard carries the {@code wisca.plan} stamp of exactly this plan,
     * and a plan whose factors are not exact inverse pairs (INVALID_PLAN).
     */
    public void undo(Plan plan, Path out, RescaleSettings settings, Overwrite overwrite) {
        AppliedStamp.requireApplied(checkpoint, plan);
        check(plan, plan.inverse());   // the rescaled weights: names, dtypes, shapes (the digests are of the original)
        write(out, overwrite, target -> Rescaler.undo(checkpoint, plan, target, options(settings)));
    }

    /** As {@link #applyInPlace(Plan, RescaleSettings)} with the paper's engine settings. */
    public void applyInPlace(Plan plan) {
        applyInPlace(plan, RescaleSettings.paper());
    }

    /**
     * Rescales this checkpoint in place: only the planned tensors' bytes (and each header's stamp) are
     * rewritten, crash-safely (a journal of before-images: a process killed at any instant leaves, once
     * any wisca command next opens it, the original or the result). The same refusals as
     * {@link #apply(Plan, Path, RescaleSettings, Overwrite)}, plus CHECKPOINT_BUSY while another in-place
     * run holds the checkpoint and FILE_CHANGED when a shard changed since this model was opened. This
     * model then reads the rescaled values but its headers are those seen at open: reopen it to see
     * the new stamp.
     */
    public void applyInPlace(Plan plan, RescaleSettings settings) {
        check(plan, plan);
        InPlaceApply.run(checkpoint, plan.factors(), Apply.summary(plan), options(settings).apply());
    }

    /**
     * Undoes {@code plan} in place (the reciprocal factors), as crash-safe as {@link #applyInPlace}; the
     * same provenance refusals as {@link #undo(Plan, Path, RescaleSettings, Overwrite)}.
     */
    public void undoInPlace(Plan plan, RescaleSettings settings) {
        AppliedStamp.requireApplied(checkpoint, plan);
        check(plan, plan.inverse());
        Plan inverse = plan.inverse();
        InPlaceApply.run(checkpoint, inverse.factors(), Apply.summary(inverse), options(settings).apply());
    }

    /** Saves {@code plan} into {@code folder} (see {@link Wisca#savePlan}), never over, into or around this checkpoint. */
    public void savePlan(Plan plan, Path folder, Overwrite overwrite) {
        Outputs.folder(folder, overwrite, checkpoint.inputs(), staging -> {
            PlanStore.save(plan, staging);
            return null;
        });
    }

    private void write(Path out, Overwrite overwrite, java.util.function.Consumer<Path> writer) {
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
    public LoraRebalance.Result refactorLora(Path out) {
        return refactorLora(out, Overwrite.NEVER);
    }

    /** As {@link #refactorLora(Path)}, replacing an existing output with {@link Overwrite#REPLACE}. */
    public LoraRebalance.Result refactorLora(Path out, Overwrite overwrite) {
        if (!isAdapter()) {
            throw new WiscaException(ErrorKind.INVALID_ARGUMENT, checkpoint.folder(), null, "setting 'loraRefactor' needs a PEFT adapter folder (adapter_model.safetensors)");
        }
        return Checkpoint.guarded(List.of(checkpoint),
            () -> Outputs.folder(out, overwrite, checkpoint.inputs(), staging -> LoraRebalance.run(checkpoint, library.lora(), staging)));
    }

    /**
     * Transforms Adam moments saved as safetensors (tensors named {@code <param>.exp_avg} and
     * {@code <param>.exp_avg_sq}) consistently with {@code plan}: m/s and v/s² for an element scaled by s.
     * Returns how many moment tensors were transformed.
     */
    public static int transformOptimizerState(Path moments, Plan plan, Path out, RescaleSettings settings) {
        return transformOptimizerState(moments, plan, out, settings, Overwrite.NEVER);
    }

    /** As above; never writes onto the moments it reads, and replaces an existing output only with {@link Overwrite#REPLACE}. */
    public static int transformOptimizerState(Path moments, Plan plan, Path out, RescaleSettings settings, Overwrite overwrite) {
        try (Checkpoint m = Checkpoint.open(moments)) {
            return Outputs.like(m, out, overwrite, List.of(), target -> Rescaler.applyToMoments(m, plan, target, options(settings)));
        }
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

    static RescaleOptions options(RescaleSettings settings) { return settings.engine(); }

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
