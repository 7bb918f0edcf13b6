package dev.wisca.cli;

import dev.wisca.io.Printable;
import dev.wisca.rescale.graph.SkippedSite;
import dev.wisca.rescale.solve.Note;
import dev.wisca.rescale.solve.SiteReport;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.wisca.sdk.PlanSummary;
import dev.wisca.sdk.PlanSummary.PairLine;
import dev.wisca.sdk.RescalePlan;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code plan}, {@code rescale} and {@code demo} print: the sdk's {@link dev.wisca.sdk.PlanSummary} (one
 * line per pair kind, the notes, the skipped sites grouped by reason) and where the run wrote. The same
 * record is the {@code --json} output (the summary's fields inline).
 */
record PlanOutput(@JsonUnwrapped PlanSummary summary, Path output, Path planFolder, long millis) {

    /** @param architecture the model's, named when the plan does not say (loaded from a file) */
    static PlanOutput of(String architecture, RescalePlan plan, Path output, Path planFolder, long nanos) {
        PlanSummary s = plan.summary();
        return new PlanOutput(s.architecture().isEmpty() ? s.withArchitecture(architecture) : s, output, planFolder,
            nanos / 1_000_000);
    }

    /** The command's answer: this record as JSON with {@code --json}; else the summary (unless quiet), then {@code done}. */
    void show(PrintWriter out, boolean json, boolean quiet, boolean verbose, String done) {
        if (json) {
            Json.print(out, this);
            return;
        }
        if (!quiet) print(out, verbose);
        out.println(done);
    }

    void print(PrintWriter out, boolean verbose) {
        boolean pow2 = summary.pow2();
        out.printf(Locale.ROOT, "%s: %d sites, %s norm, %s scales%n", summary.architecture(), summary.sites(), summary.norm(),
            pow2 ? "power-of-two (bit-exact, invertible)" : "real-valued");
        for (PairLine l : summary.pairs()) {
            String effect = l.fold()
                ? (pow2 ? "power-of-two part of the gains folded into the following linears" : "gains folded into the following linears (now 1)")
                : String.format(Locale.ROOT, "worst imbalance |log2 ratio| %.3g -> %.3g", l.worstImbalanceBefore(), l.worstImbalanceAfter());
            out.printf(Locale.ROOT, "  %-7s %4d sites %6d channels  scale %s .. %s  %s%n",
                l.pair(), l.sites(), l.channels(), scale(l.minScale()), scale(l.maxScale()), effect);
        }
        for (SiteReport r : summary.siteReports()) {
            for (Note n : r.notes()) out.printf("  note %s: %s%n", Printable.escape(r.id()), Printable.escape(n.detail()));
            if (verbose && r.notes().isEmpty()) {
                out.printf(Locale.ROOT, "  %-40s s in [%s, %s]%n", Printable.escape(r.id()), scale(r.minScale()), scale(r.maxScale()));
            }
        }
        Map<String, List<String>> reasons = new LinkedHashMap<>();
        for (SkippedSite s : summary.skipped()) reasons.computeIfAbsent(s.reason(), k -> new ArrayList<>()).add(s.id());
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
