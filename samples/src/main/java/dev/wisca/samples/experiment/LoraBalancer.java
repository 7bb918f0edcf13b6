package dev.wisca.samples.experiment;

import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;
import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.hooks.HookReport;
import dev.wisca.hooks.IndexStats;
import dev.wisca.hooks.MomentUpdate;
import dev.wisca.hooks.ParameterInfo;
import dev.wisca.hooks.Schedule;
import dev.wisca.hooks.StatQuery;
import dev.wisca.hooks.djl.DjlParameterStore;
import dev.wisca.hooks.djl.WiscaTrainingListener;
import dev.wisca.hooks.protocol.Messages.SiteEntry;
import dev.wisca.io.TensorInfo;
import dev.wisca.rescale.graph.Member;
import dev.wisca.rescale.graph.Site;
import dev.wisca.rescale.lora.LoraSites;
import dev.wisca.rescale.solve.SiteSolution;
import dev.wisca.rescale.solve.Solver;
import dev.wisca.rescale.solve.SolverOptions;
import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.stats.ChannelStats;
import dev.wisca.rescale.stats.SiteStats;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * WISCA on LoRA adapters during DJL training: per rank i, {@code A[i,:] × s_i}, {@code B[:,i] ÷ s_i}
 * (BA unchanged), {@code s_i} from the engine's solver over the L1 norms. The hook protocol binds
 * architecture specs only, so this listener uses the engine's own pieces directly: the LoRA spec's
 * sites ({@link LoraSites}), the {@link Solver}, and the DJL adapter's {@link DjlParameterStore}
 * (statistics, in-place scaling, gradients and AdamW moments) as the hands.
 */
final class LoraBalancer extends TrainingListenerAdapter {
    private final DjlParameterStore store;
    private final JsonNode adapterConfig;
    private final Schedule schedule;
    private final SolverOptions solver;
    private final WiscaTrainingListener.Observer observer;
    private long step;

    LoraBalancer(DjlParameterStore store, JsonNode adapterConfig, Schedule schedule, SolverOptions solver, WiscaTrainingListener.Observer observer) {
        this.store = store;
        this.adapterConfig = adapterConfig;
        this.schedule = schedule;
        this.solver = solver;
        this.observer = observer;
    }

    DjlParameterStore store() { return store; }

    @Override
    public void onTrainingBatch(Trainer trainer, TrainingListener.BatchData batchData) {
        long current = step++;
        if (schedule.due(current)) apply(current);
    }

    HookReport apply(long atStep) {
        observer.before(atStep);
        List<TensorInfo> tensors = new ArrayList<>();
        long offset = 0;
        for (ParameterInfo p : store.parameters()) {
            long bytes = 4L * Arrays.stream(p.shape()).reduce(1, (a, b) -> a * b);
            tensors.add(new TensorInfo(p.name(), p.dtype(), p.shape(), offset, offset + bytes));
            offset += bytes;
        }
        List<SiteEntry> sites = new ArrayList<>();
        Map<String, HookReport.AppliedFactors> applied = new LinkedHashMap<>();
        Map<String, MomentUpdate> moments = new LinkedHashMap<>();
        for (Site site : LoraSites.build(SpecLibrary.builtin().lora(), adapterConfig, tensors).sites()) {
            List<ChannelStats> stats = new ArrayList<>();
            List<dev.wisca.io.Dtype> dtypes = new ArrayList<>();
            for (Member m : site.members()) {
                IndexStats s = store.statistics(new StatQuery(m.tensor(), m.batch(), m.axis(), false), null, null);
                long other = otherDim(tensors, m);
                long[] count = new long[s.length()];
                Arrays.fill(count, other);
                stats.add(new ChannelStats(s.sum(), s.absSum(), s.sqSum(), s.absMax(), count));
                dtypes.add(dev.wisca.io.Dtype.F32);
            }
            SiteSolution solution = Solver.solve(new SiteStats(site, stats, dtypes), solver);
            var r = solution.report();
            sites.add(new SiteEntry(r.id(), r.pair().cliName(), r.channels(), r.pow2(), r.fold(), r.minScale(), r.maxScale(),
                r.geoMeanScale(), r.imbalanceBefore(), r.imbalanceAfter(), List.of()));
            double[] s = solution.scales();
            for (Member m : site.members()) {
                long[] shape = shape(tensors, m.tensor());
                double[] rows = ones(shape[0]), cols = ones(shape[1]);
                double[] target = m.axis() == dev.wisca.rescale.graph.Axis.ROWS ? rows : cols;
                for (int i = 0; i < m.length(); i++) target[i] = Math.pow(s[m.channel(i)], m.exponent());
                store.scale(m.tensor(), rows, cols, false);
                moments.put(m.tensor(), store.scaleMoments(m.tensor(), inverse(rows), inverse(cols)));
                applied.put(m.tensor(), new HookReport.AppliedFactors(rows, cols, false));
            }
        }
        HookReport report = new HookReport(atStep, sites, List.of(), applied, moments);
        observer.after(atStep, report);
        return report;
    }

    private static long otherDim(List<TensorInfo> tensors, Member m) {
        long[] shape = shape(tensors, m.tensor());
        return m.axis() == dev.wisca.rescale.graph.Axis.ROWS ? shape[1] : shape[0];
    }

    private static long[] shape(List<TensorInfo> tensors, String name) {
        return tensors.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow().shape();
    }

    private static double[] ones(long n) {
        double[] v = new double[(int) n];
        Arrays.fill(v, 1.0);
        return v;
    }

    private static double[] inverse(double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) out[i] = 1.0 / v[i];
        return out;
    }
}
