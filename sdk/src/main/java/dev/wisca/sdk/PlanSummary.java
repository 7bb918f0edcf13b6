package dev.wisca.sdk;

import dev.wisca.rescale.graph.SkippedSite;
import dev.wisca.rescale.solve.SiteReport;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a plan did, per pair kind: how many sites and channels, the scale range, the worst imbalance before
 * and after (or that gains were folded), with every site's report and the skipped sites. {@code wisca plan}
 * and {@code wisca rescale} print it and give it as their {@code --json} answer.
 *
 * @param architecture the spec's model_type ({@code lora} for adapters; empty for a plan loaded from a file)
 * @param norm         the solver's norm (L1, L2, MAX)
 * @param pow2         whether any site has power-of-two scales
 */
public record PlanSummary(String architecture, String planHash, boolean pow2, String norm, int sites,
                          List<PairLine> pairs, List<SiteReport> siteReports, List<SkippedSite> skipped) {
    public PlanSummary {
        pairs = List.copyOf(pairs);
        siteReports = List.copyOf(siteReports);
        skipped = List.copyOf(skipped);
    }

    /** One pair kind: its sites, channels, scale range, worst |log2 imbalance| before and after, whether folded. */
    public record PairLine(String pair, int sites, int channels, double minScale, double maxScale,
                           double worstImbalanceBefore, double worstImbalanceAfter, boolean fold) {}

    static PlanSummary of(RescalePlan p) {
        Map<String, List<SiteReport>> byPair = new LinkedHashMap<>();
        for (SiteReport r : p.reports()) byPair.computeIfAbsent(r.pair().cliName(), k -> new ArrayList<>()).add(r);
        List<PairLine> lines = new ArrayList<>();
        boolean pow2 = false;
        for (Map.Entry<String, List<SiteReport>> e : byPair.entrySet()) {
            int channels = 0;
            double min = Double.POSITIVE_INFINITY, max = 0, before = 0, after = 0;
            boolean fold = false;
            for (SiteReport r : e.getValue()) {
                channels += r.channels();
                min = Math.min(min, r.minScale());
                max = Math.max(max, r.maxScale());
                before = Math.max(before, r.imbalanceBefore());
                after = Math.max(after, r.imbalanceAfter());
                fold |= r.fold();
                pow2 |= r.pow2();
            }
            lines.add(new PairLine(e.getKey(), e.getValue().size(), channels, min, max, before, after, fold));
        }
        return new PlanSummary(p.architecture(), p.hash(), pow2, p.solver().norm().name(), p.reports().size(), lines,
            p.reports(), p.skipped());
    }

    /** The same summary naming {@code model} as the architecture (for a plan loaded from a file, which does not say). */
    public PlanSummary withArchitecture(String model) {
        return new PlanSummary(model, planHash, pow2, norm, sites, pairs, siteReports, skipped);
    }
}
