package dev.wisca.sdk.report;

import dev.wisca.rescale.graph.SkippedSite;
import dev.wisca.rescale.solve.Note;
import dev.wisca.rescale.solve.SiteReport;
import dev.wisca.sdk.RescalePlan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What the report shows of a plan: scale factors by pair, counts, and the sites needing attention. */
record PlanView(Map<String, double[]> scalesByPair, int sites, long channels, int pow2Sites, double minScale, double maxScale,
                String norm, List<SiteIssue> issues) {

    static PlanView of(RescalePlan plan) {
        Map<String, List<Double>> byPair = new LinkedHashMap<>();
        List<SiteIssue> issues = new ArrayList<>();
        long channels = 0;
        int pow2 = 0;
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        for (SiteReport r : plan.reports()) {
            double[] scales = plan.siteScales().getOrDefault(r.id(), new double[0]);
            List<Double> list = byPair.computeIfAbsent(r.pair().cliName(), k -> new ArrayList<>());
            for (double s : scales) {
                list.add(s);
                min = Math.min(min, s);
                max = Math.max(max, s);
            }
            channels += scales.length;
            if (r.pow2()) pow2++;
            for (Note n : r.notes()) {
                issues.add(new SiteIssue(r.id(), r.pair().cliName(), status(n.kind()),
                    n.detail() + " (" + n.channels() + " of " + r.channels() + " channel" + (r.channels() == 1 ? "" : "s") + ")"));
            }
        }
        for (SkippedSite s : plan.skipped()) issues.add(new SiteIssue(s.id(), s.pair().cliName(), "skipped", s.reason()));
        Map<String, double[]> scales = new LinkedHashMap<>();
        byPair.forEach((pair, v) -> scales.put(pair, v.stream().mapToDouble(Double::doubleValue).toArray()));
        return new PlanView(scales, plan.reports().size(), channels, pow2, min, max,
            plan.solver().norm().cliName().toUpperCase(Locale.ROOT), issues);
    }

    private static String status(Note.Kind kind) {
        return switch (kind) {
            case DEGENERATE -> "degenerate";
            case RANGE_CLAMPED, OVERFLOW_CLAMPED -> "clamped";
            case OVERFLOW_UNAVOIDABLE -> "skipped";
        };
    }
}
