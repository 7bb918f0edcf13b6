package dev.wisca.rescale.plan;

import dev.wisca.io.TensorSource;
import dev.wisca.rescale.Progress;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.rescale.backend.Backend;
import dev.wisca.rescale.graph.Site;
import dev.wisca.rescale.solve.SiteReport;
import dev.wisca.rescale.solve.SiteSolution;
import dev.wisca.rescale.solve.Solver;
import dev.wisca.rescale.solve.SolverOptions;
import dev.wisca.rescale.stats.SiteStats;
import dev.wisca.rescale.stats.StatsPass;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Solves sites stage by stage ({@link Stage}) into a {@link Plan}: one statistics pass per non-empty stage. */
public final class Planner {
    private Planner() {}

    /** Solves {@code sites} with the settings' solver, on their backend, threads and progress (their own sites are not read). */
    public static Plan plan(TensorSource source, List<Site> sites, RescaleSettings settings) {
        return plan(source, sites, settings.solver(), settings.backend(), settings.parallelism(), settings.progress());
    }

    public static Plan plan(TensorSource source, List<Site> sites, SolverOptions options, Backend backend, int parallelism) {
        return plan(source, sites, options, backend, parallelism, Progress.NONE);
    }

    /** As above, telling {@code progress} about each statistics pass (phase {@code stats}, or {@code stats k/n}). */
    public static Plan plan(TensorSource source, List<Site> sites, SolverOptions options, Backend backend, int parallelism,
                            Progress progress) {
        FactorTable table = new FactorTable(source);
        List<SiteReport> reports = new ArrayList<>();
        Map<String, double[]> scales = new LinkedHashMap<>();
        List<List<Site>> stages = List.copyOf(Stage.group(sites).values());
        for (int k = 0; k < stages.size(); k++) {
            String phase = stages.size() == 1 ? "stats" : "stats " + (k + 1) + "/" + stages.size();
            List<SiteStats> stats = StatsPass.collect(source, stages.get(k), table, backend, parallelism, phase, progress);
            for (SiteStats siteStats : stats) {
                SiteSolution solution = Solver.solve(siteStats, options);
                table.add(solution);
                reports.add(solution.report());
                scales.put(solution.site().id(), solution.scales());
            }
        }
        return new Plan(options, false, reports, scales, table.factors()).withDigestsOf(source);
    }
}
