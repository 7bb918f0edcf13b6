package dev.wisca.rescale.plan;

import dev.wisca.io.TensorSource;
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

    public static Plan plan(TensorSource source, List<Site> sites, SolverOptions options, Backend backend, int parallelism) {
        FactorTable table = new FactorTable(source);
        List<SiteReport> reports = new ArrayList<>();
        Map<String, double[]> scales = new LinkedHashMap<>();
        for (Stage stage : Stage.values()) {
            List<Site> stageSites = sites.stream().filter(s -> Stage.of(s.pair()) == stage).toList();
            if (stageSites.isEmpty()) continue;
            List<SiteStats> stats = StatsPass.collect(source, stageSites, table, backend, parallelism);
            for (SiteStats siteStats : stats) {
                SiteSolution solution = Solver.solve(siteStats, options);
                table.add(solution);
                reports.add(solution.report());
                scales.put(solution.site().id(), solution.scales());
            }
        }
        return new Plan(options, false, reports, scales, table.factors());
    }
}
