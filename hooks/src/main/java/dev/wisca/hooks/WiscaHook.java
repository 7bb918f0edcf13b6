package dev.wisca.hooks;

import dev.wisca.rescale.RescaleSettings;
import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.hooks.protocol.Messages.DescribeRequest;
import dev.wisca.hooks.protocol.Messages.DescribeResponse;
import dev.wisca.hooks.protocol.Messages.FactorEntry;
import dev.wisca.hooks.protocol.Messages.ParameterEntry;
import dev.wisca.rescale.solve.SiteReport;
import dev.wisca.hooks.protocol.Messages.SolveRequest;
import dev.wisca.hooks.protocol.Messages.SolveResponse;
import dev.wisca.hooks.protocol.Messages.StageEntry;
import dev.wisca.hooks.protocol.Messages.StatRequest;
import dev.wisca.hooks.protocol.Messages.StatVectors;
import dev.wisca.hooks.protocol.PlanService;
import dev.wisca.hooks.protocol.OptionsConverter;
import dev.wisca.hooks.protocol.UnknownSessionException;
import dev.wisca.rescale.graph.Axis;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.graph.SiteOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Arrays;
import java.util.Objects;

/**
 * Rescales a live model on a schedule: the engine ({@link PlanService}, in process or
 * {@code wisca serve}) is the brain, the {@link ParameterStore} the hands. A call describes the
 * parameters once, then per stage measures statistics under the factors of the earlier stages,
 * solves them, and finally applies the product of all stages' factors once per tensor, followed by
 * the optimizer moments. Outputs are unchanged (up to the rounding of stored weights); the balance
 * condition holds afterwards. Not thread-safe: call it from the training thread between steps.
 */
public final class WiscaHook {
    private final ParameterStore store;
    private final PlanService service;
    private final JsonNode config;
    private final JsonNode archSpec;
    private final JsonNode adapterConfig;
    private final RescaleSettings options;
    private final Schedule schedule;
    private DescribeResponse described;

    /**
     * @param config   the model's config.json content (dimensions are read from it)
     * @param archSpec an architecture spec (JSON as in a spec file), or null to detect it from config
     */
    public WiscaHook(ParameterStore store, PlanService service, JsonNode config, JsonNode archSpec,
                     RescaleSettings options, Schedule schedule) {
        this(store, service, config, archSpec, null, options, schedule);
    }

    private WiscaHook(ParameterStore store, PlanService service, JsonNode config, JsonNode archSpec, JsonNode adapterConfig,
                      RescaleSettings options, Schedule schedule) {
        this.store = store;
        this.service = service;
        this.config = config;
        this.archSpec = archSpec;
        this.adapterConfig = adapterConfig;
        this.options = options;
        this.schedule = schedule;
    }

    /**
     * A hook for a PEFT LoRA adapter: per rank i, {@code A[i,:]·s_i} and {@code B[:,i]/s_i} (BA
     * unchanged). The store holds the adapter's factors, named as in adapter_model.safetensors or as
     * a live PEFT model names them (see {@link dev.wisca.hooks.protocol.Messages.DescribeRequest});
     * other parameters are left alone. The pairs of {@code options} are replaced by {@code lora}.
     *
     * @param adapterConfig the adapter's adapter_config.json content (rank, rank_pattern, ...)
     */
    public static WiscaHook forAdapter(ParameterStore store, PlanService service, JsonNode adapterConfig,
                                       RescaleSettings options, Schedule schedule) {
        RescaleSettings lora = options.withSites(SiteOptions.of(options.sites().granularity(), Pair.LORA));
        return new WiscaHook(store, service, null, null, Objects.requireNonNull(adapterConfig, "adapterConfig"), lora, schedule);
    }

    public Schedule schedule() { return schedule; }

    /** Rescales if the schedule says so at {@code step}. */
    public Optional<HookReport> onStep(long step) {
        return schedule.due(step) ? Optional.of(apply(step)) : Optional.empty();
    }

    /** Rescales now. A server that lost the session (restart) is described again, once. */
    public HookReport apply(long step) {
        try {
            return run(step);
        } catch (UnknownSessionException e) {
            described = null;
            return run(step);
        }
    }

    /** The stages the engine asked for (describing the parameters on first use). */
    public DescribeResponse describe() {
        if (described == null) {
            List<ParameterEntry> parameters = store.parameters().stream()
                .map(p -> new ParameterEntry(p.name(), p.dtype().headerName(), p.shape())).toList();
            described = service.describe(new DescribeRequest(parameters, config, archSpec, OptionsConverter.entry(options), adapterConfig));
        }
        return described;
    }

    private HookReport run(long step) {
        DescribeResponse d = describe();
        Map<String, Running> running = new LinkedHashMap<>();
        List<SiteReport> sites = new ArrayList<>();
        for (StageEntry stage : d.stages()) {
            List<StatVectors> stats = new ArrayList<>();
            for (StatRequest r : stage.requests()) {
                Running prior = running.get(r.tensor());
                Axis axis = Axis.valueOf(r.axis().toUpperCase(Locale.ROOT));
                IndexStats s = store.statistics(new StatQuery(r.tensor(), r.batch(), axis, r.offsetGain()),
                    prior == null ? null : prior.rows, prior == null ? null : prior.cols);
                stats.add(new StatVectors(r.id(), s.sum(), s.absSum(), s.sqSum(), s.absMax()));
            }
            SolveResponse solved = service.solve(new SolveRequest(d.session(), stage.index(), stats));
            sites.addAll(solved.sites());
            for (FactorEntry f : solved.factors()) {
                running.computeIfAbsent(f.tensor(), t -> Running.ones(f)).multiply(f);
            }
        }
        Map<String, HookReport.AppliedFactors> applied = new LinkedHashMap<>();
        Map<String, MomentUpdate> moments = new LinkedHashMap<>();
        for (var e : running.entrySet()) {
            Running r = e.getValue();
            store.scale(e.getKey(), r.rows, r.cols, r.offsetGain);
            moments.put(e.getKey(), store.scaleMoments(e.getKey(), r.momentRows, r.momentCols));
            applied.put(e.getKey(), new HookReport.AppliedFactors(r.rows.clone(), r.cols.clone(), r.offsetGain));
        }
        return new HookReport(step, sites, d.skipped(), applied, moments);
    }

    /** A tensor's factors multiplied over the stages solved so far. */
    private static final class Running {
        final double[] rows, cols, momentRows, momentCols;
        final boolean offsetGain;

        private Running(FactorEntry shape) {
            rows = ones(shape.rows().length);
            cols = ones(shape.cols().length);
            momentRows = ones(shape.rows().length);
            momentCols = ones(shape.cols().length);
            offsetGain = shape.offsetGain();
        }

        static Running ones(FactorEntry shape) { return new Running(shape); }

        void multiply(FactorEntry f) {
            times(rows, f.rows());
            times(cols, f.cols());
            times(momentRows, f.momentRows());
            times(momentCols, f.momentCols());
        }

        private static void times(double[] into, double[] by) {
            if (into.length != by.length) throw new IllegalStateException("factor lengths changed between stages");
            for (int i = 0; i < into.length; i++) into[i] *= by[i];
        }

        private static double[] ones(int n) {
            double[] v = new double[n];
            Arrays.fill(v, 1.0);
            return v;
        }
    }
}
