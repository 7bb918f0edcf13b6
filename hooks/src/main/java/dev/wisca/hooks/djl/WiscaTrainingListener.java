package dev.wisca.hooks.djl;

import ai.djl.nn.Block;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;
import ai.djl.training.optimizer.Optimizer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.hooks.HookReport;
import dev.wisca.hooks.MomentUpdate;
import dev.wisca.hooks.Schedule;
import dev.wisca.hooks.WiscaHook;
import dev.wisca.hooks.protocol.LocalPlanService;
import dev.wisca.hooks.protocol.PlanService;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * WISCA inside a DJL training loop: add it with {@code DefaultTrainingConfig.addTrainingListeners(listener)}.
 * It counts training batches from 0; on a batch the {@link Schedule} names it rescales the model
 * (step 0 = before the first update, "once at initialisation"). DJL calls {@code onTrainingBatch}
 * after the backward pass and before {@code trainer.step()}, so besides the weights it rescales the
 * pending gradients (g/s) and the optimizer moments (m/s, v/s²; see {@link OptimizerMoments} — DJL's
 * Adam/AdamW keep them private and are reached by reflection; with {@link OptimizerMoments.Policy#RESET}
 * they are dropped instead, and every reset is logged). The model's outputs are unchanged up to the
 * rounding of the stored weights.
 *
 * <p>Parameter names: DJL block paths are renamed to the checkpoint names of the architecture spec
 * by {@link Builder#renaming} (default identity); {@code config} is the model's config.json content.
 * Not thread-safe; one listener per trainer.
 */
public final class WiscaTrainingListener extends TrainingListenerAdapter {
    /** Called around every rescale, e.g. to compare outputs before and after. */
    public interface Observer {
        default void before(long step) {}

        default void after(long step, HookReport report) {}
    }

    private static final System.Logger LOG = System.getLogger(WiscaTrainingListener.class.getName());

    private final Builder settings;
    private final List<HookReport> reports = new ArrayList<>();
    private DjlParameterStore store;
    private WiscaHook hook;
    private long step;

    private WiscaTrainingListener(Builder settings) { this.settings = settings; }

    public static Builder builder(JsonNode config) { return new Builder(config); }

    @Override
    public void onTrainingBatch(Trainer trainer, TrainingListener.BatchData batchData) {
        long current = step++;
        if (settings.schedule.due(current)) apply(trainer.getModel().getBlock(), current);
    }

    /** Rescales {@code block} now (also usable without a trainer, e.g. before training or for tests). */
    public HookReport apply(Block block, long atStep) {
        WiscaHook h = hook(block);
        settings.observer.before(atStep);
        HookReport report = h.apply(atStep);
        settings.observer.after(atStep, report);
        reports.add(report);
        long reset = report.momentsReset();
        LOG.log(Level.INFO, () -> "wisca: step " + atStep + ": rescaled " + report.factors().size() + " tensors at "
            + report.sites().size() + " sites" + (reset > 0 ? "; optimizer moments RESET for " + reset + " tensors" : ""));
        if (reset > 0) LOG.log(Level.WARNING, "wisca: optimizer moments were reset, not transformed (policy RESET)");
        return report;
    }

    /** Batches seen so far (the next batch's step). */
    public long step() { return step; }

    /** Every rescale so far, in order. */
    public List<HookReport> reports() { return List.copyOf(reports); }

    /** The store over the block's parameters (after the first rescale or {@link #apply}). */
    public DjlParameterStore store() { return store; }

    private WiscaHook hook(Block block) {
        if (hook == null) {
            OptimizerMoments moments = OptimizerMoments.of(settings.optimizer, settings.policy);
            store = DjlParameterStore.of(block, settings.renaming, moments);
            hook = settings.adapterConfig != null
                ? WiscaHook.forAdapter(store, settings.service, settings.adapterConfig, settings.options, settings.schedule)
                : new WiscaHook(store, settings.service, settings.config, settings.archSpec, settings.options, settings.schedule);
            LOG.log(Level.INFO, () -> "wisca: hooked " + store.byName().size() + " parameters; " + moments);
        }
        return hook;
    }

    /** Counts the tensors whose moments were transformed in a report. */
    public static long momentsScaled(HookReport report) {
        return report.moments().values().stream().filter(m -> m == MomentUpdate.SCALED).count();
    }

    /** Settings of a listener; defaults: paper options, every 250 steps, identity renaming, in-process engine. */
    public static final class Builder {
        private final JsonNode config;
        private JsonNode archSpec;
        private JsonNode adapterConfig;
        private RescaleSettings options = RescaleSettings.paper();
        private Schedule schedule = Schedule.every(250);
        private Function<String, String> renaming = ParameterRenaming.identity();
        private Optimizer optimizer;
        private OptimizerMoments.Policy policy = OptimizerMoments.Policy.TRANSFORM;
        private PlanService service;
        private Observer observer = new Observer() {};

        private Builder(JsonNode config) { this.config = Objects.requireNonNull(config, "config"); }

        public Builder options(RescaleSettings o) { options = Objects.requireNonNull(o); return this; }

        public Builder schedule(Schedule s) { schedule = Objects.requireNonNull(s); return this; }

        /** DJL block path → checkpoint name (see {@link ParameterRenaming}). */
        public Builder renaming(Function<String, String> r) { renaming = Objects.requireNonNull(r); return this; }

        /** The optimizer given to the training config (its moments follow the weights); null = stateless. */
        public Builder optimizer(Optimizer o, OptimizerMoments.Policy p) { optimizer = o; policy = Objects.requireNonNull(p); return this; }

        /** An explicit architecture spec (JSON as in a spec file) instead of detection from config. */
        public Builder archSpec(JsonNode spec) { archSpec = spec; return this; }

        /**
         * Rescale a LoRA adapter instead of the architecture: per rank i, {@code A[i,:]·s_i} and
         * {@code B[:,i]/s_i} (see {@link WiscaHook#forAdapter}); the renaming should keep only the
         * adapter's factors (named {@code <module>.lora_A.weight} / {@code .lora_B.weight}).
         *
         * @param config the adapter's adapter_config.json content
         */
        public Builder adapter(JsonNode config) { adapterConfig = Objects.requireNonNull(config); return this; }

        /** The engine (default: in process, built-in specs); e.g. an {@code HttpPlanClient} for {@code wisca serve}. */
        public Builder service(PlanService s) { service = Objects.requireNonNull(s); return this; }

        public Builder observer(Observer o) { observer = Objects.requireNonNull(o); return this; }

        public WiscaTrainingListener build() {
            if (service == null) service = LocalPlanService.builtin();
            return new WiscaTrainingListener(this);
        }
    }
}
