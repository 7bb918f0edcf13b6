package dev.wisca.cli;

import dev.wisca.io.Printable;
import dev.wisca.rescale.graph.SkippedSite;
import dev.wisca.rescale.solve.Note;
import dev.wisca.rescale.solve.SiteReport;
import dev.wisca.sdk.RescalePlan;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code plan}, {@code rescale} and {@code undo} print: one line per pair kind, the notes, the
 * skipped sites grouped by reason. The same record is the {@code --json} output.
 */
record PlanSummary(String architecture, String planHash, boolean pow2, String norm, int sites,
                   List<PairLine> pairs, List<SiteReport> siteReports, List<SkippedSite> skipped,
                   Path output, Path planFolder, long millis) {

    record PairLine(String pair, int sites, int channels, double minScale, double maxScale,
                    double worstImbalanceBefore, double worstImbalanceAfter, boolean fold) {}

    static PlanSummary of(String architecture, RescalePlan p, Path output, Path planFolder, long nanos) {
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
        return new PlanSummary(architecture, p.hash(), pow2, p.solver().norm().name(),
            p.reports().size(), lines, p.reports(), p.skipped(), output, planFolder, nanos / 1_000_000);
    }

    void print(PrintWriter out, boolean verbose) {
        out.printf(Locale.ROOT, "%s: %d sites, %s norm, %s scales%n", architecture, sites, norm,
            pow2 ? "power-of-two (bit-exact, invertible)" : "real-valued");
        for (PairLine l : pairs) {
            String effect = l.fold()
                ? (pow2 ? "power-of-two part of the gains folded into the following linears" : "gains folded into the following linears (now 1)")
                : String.format(Locale.ROOT, "worst imbalance |log2 ratio| %.3g -> %.3g", l.worstImbalanceBefore(), l.worstImbalanceAfter());
            out.printf(Locale.ROOT, "  %-7s %4d sites %6d channels  scale %s .. %s  %s%n",
                l.pair(), l.sites(), l.channels(), scale(l.minScale()), scale(l.maxScale()), effect);
        }
        for (SiteReport r : siteReports) {
            for (Note n : r.notes()) out.printf("  note %s: %s%n", Printable.escape(r.id()), Printable.escape(n.detail()));
            if (verbose && r.notes().isEmpty()) {
                out.printf(Locale.ROOT, "  %-40s s in [%s, %s]%n", Printable.escape(r.id()), scale(r.minScale()), scale(r.maxScale()));
            }
        }
        Map<String, List<String>> reasons = new LinkedHashMap<>();
        for (SkippedSite s : skipped) reasons.computeIfAbsent(s.reason(), k -> new ArrayList<>()).add(s.id());
        for (Map.Entry<String, List<String>> e : reasons.entrySet()) {
            List<String> ids = e.getValue();
            out.printf("  skipped %d site%s: %s (%s%s)%n", ids.size(), ids.size() == 1 ? "" : "s", e.getKey(),
                String.join(", ", ids.subList(0, Math.min(3, ids.size()))), ids.size() > 3 ? ", ..." : "");
        }
    }

    private static String scale(double s) {
        return String.format(Locale.ROOT, "%.4g", s);
    }
}
