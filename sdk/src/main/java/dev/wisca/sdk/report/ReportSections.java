package dev.wisca.sdk.report;

import dev.wisca.rescale.pattern.AttentionStats;
import dev.wisca.rescale.pattern.PatternReport;
import dev.wisca.rescale.pattern.TensorStats;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Locale;

/** The sections of {@link HtmlReport}, top to bottom. */
final class ReportSections {
    private ReportSections() {}

    static void header(Html h, PatternReport before, PatternReport after) {
        h.open("header", "class", "top").open("div", "class", "inner");
        h.element("h1", "Weight-pattern report");
        h.element("div", HtmlReport.modelName(before) + " · statistics of " + date(before.computedAt()) + " · Q/K and V/O balance before and after rescaling",
            "class", "sub");
        h.open("dl");
        h.element("dt", "before").element("dd", files(before));
        h.element("dt", "after").element("dd", files(after));
        h.close("dl").close("div").close("header").newline();
    }

    static void cards(Html h, PatternReport before, PatternReport after, Optional<PlanView> plan, Optional<VerifySummary> verify) {
        h.open("section", "class", "cards");
        AttentionStats first = before.attention().isEmpty() ? null : before.attention().getFirst();
        long params = before.tensors().stream().mapToLong(TensorStats::elements).sum();
        card(h, "model", HtmlReport.modelName(before),
            (first == null ? "" : before.attention().size() + " layers · " + first.heads() + " query / " + first.kvHeads() + " KV heads · ")
                + Format.count(params) + " parameters");
        for (BalanceGrid.Kind kind : BalanceGrid.Kind.values()) {
            BalanceGrid b = BalanceGrid.of(before, kind);
            BalanceGrid a = BalanceGrid.of(after, kind);
            h.open("div", "class", "card").element("div", kind.label + " imbalance", "class", "label");
            h.open("div", "class", "value").text(Format.fixed(b.medianAbsLog2())).element("span", "→", "class", "arrow")
                .text(Format.fixed(a.medianAbsLog2())).close("div");
            h.element("div", "median over layers of |log₂ " + kind.formula + "|", "class", "detail").close("div");
        }
        plan.ifPresentOrElse(p -> card(h, "scale factors", Format.count(p.channels()) + " channels",
                p.sites() + " sites · ×" + Format.ratio(p.minScale()) + " … ×" + Format.ratio(p.maxScale()) + " · " + p.norm()
                    + (p.pow2Sites() > 0 ? " · powers of two on " + p.pow2Sites() + " site" + (p.pow2Sites() == 1 ? "" : "s") : "")),
            () -> card(h, "scale factors", "—", "no plan given"));
        h.open("div", "class", "card").element("div", "verification", "class", "label").open("div", "class", "value");
        verify.ifPresentOrElse(v -> badge(h, v.equivalent()), () -> h.element("span", "NOT RUN", "class", "badge none"));
        h.close("div").element("div", verify.map(v -> "max |Δ| " + Format.number(v.maxAbsDiff()) + " · max rel " + Format.number(v.maxRelDiff()))
            .orElse("no verification result given"), "class", "detail").close("div");
        card(h, "non-finite tensors", nonFinite(before) + " → " + nonFinite(after), "tensors holding NaN or Inf values");
        h.close("section").newline();
    }

    static void heatmaps(Html h, PatternReport before, PatternReport after) {
        for (BalanceGrid.Kind kind : BalanceGrid.Kind.values()) {
            BalanceGrid b = BalanceGrid.of(before, kind);
            BalanceGrid a = BalanceGrid.of(after, kind);
            h.open("section", "class", "panel", "id", "heatmap-" + kind.name().toLowerCase(Locale.ROOT));
            h.element("h2", kind.label + " balance per layer and KV head");
            h.element("p", "Ratio " + kind.formula + " of each KV group (query heads sharing one KV head) and, in the last column, of the whole layer. "
                + "WISCA moves these towards 1 (white); red means the producer side is heavier, blue the consumer side. Hover a cell for its value.",
                "class", "lead");
            String note = notesFor(before, kind);
            if (!note.equals(".")) h.element("p", "Note" + note, "class", "lead note");
            if (b.isEmpty() && a.isEmpty()) {
                h.element("p", "No " + kind.label + " statistics for this model" + notesFor(before, kind), "class", "empty").close("section");
                continue;
            }
            DivergingScale scale = DivergingScale.covering(Math.max(b.maxAbsLog2(), a.maxAbsLog2()));
            h.open("div", "class", "pair");
            figure(h, "Before", b, kind, scale);
            figure(h, "After", a, kind, scale);
            h.close("div");
            h.open("div", "class", "legend-row").raw(HeatmapSvg.legend(scale, "legend-" + kind.name())).element("span",
                "color: log₂ of the ratio, shared by both maps; grey: no value").close("div");
            headMaps(h, HeadGrid.of(before, kind), HeadGrid.of(after, kind), kind);
            h.close("section").newline();
        }
    }

    /** The same pair per query head, each against the KV head its group reads from. */
    private static void headMaps(Html h, HeadGrid b, HeadGrid a, BalanceGrid.Kind kind) {
        if (b.isEmpty() && a.isEmpty()) return;
        int g = Math.max(b.groupSize(), 1);
        h.open("div", "class", "subpanel", "id", "heads-" + kind.name().toLowerCase(Locale.ROOT));
        h.element("h3", kind.label + " per query head; each query head against its group's KV head");
        h.element("p", "Ratio " + kind.headFormula + " for query head h and its KV head j = ⌊h / " + g + "⌋"
            + (g > 1 ? "; thin gaps separate the KV groups. A balanced group whose heads carry equal norms puts each head near "
                + (kind == BalanceGrid.Kind.QK ? "1/" + g : Integer.toString(g)) + ", not 1: its " + g + " query heads share one KV head." : "."),
            "class", "lead");
        // the scale always reaches the even-split value, so its mark on the legend is never off the bar
        DivergingScale scale = DivergingScale.covering(Math.max(Math.max(b.maxAbsLog2(), a.maxAbsLog2()), BalanceGrid.log2(g)));
        h.open("div", "class", "pair");
        headFigure(h, "Before", b, kind, scale);
        headFigure(h, "After", a, kind, scale);
        h.close("div");
        double even = kind == BalanceGrid.Kind.QK ? 1.0 / g : g;
        h.open("div", "class", "legend-row").raw(HeatmapSvg.legend(scale, "legend-heads-" + kind.name(), g > 1 ? BalanceGrid.log2(even) : Double.NaN))
            .element("span", "color: log₂ of the per-head ratio, shared by these two maps; grey: no value"
                + (g > 1 ? "; dark mark: " + (kind == BalanceGrid.Kind.QK ? "1/" + g : Integer.toString(g)) + ", each head of a balanced group with equal heads" : "")).close("div");
        h.close("div");
    }

    private static void headFigure(Html h, String when, HeadGrid grid, BalanceGrid.Kind kind, DivergingScale scale) {
        h.open("figure").open("figcaption").text(when).element("span", grid.heads() + " query heads", "class", "hint").close("figcaption");
        h.raw(HeadHeatmapSvg.render(grid, kind.label + " per query head " + when.toLowerCase(Locale.ROOT) + ", log₂ ratio", scale));
        h.close("figure");
    }

    static void scales(Html h, Optional<PlanView> plan) {
        h.open("section", "class", "panel", "id", "scales");
        h.element("h2", "Scale factors");
        if (plan.isEmpty() || plan.get().channels() == 0) {
            h.element("p", plan.isEmpty() ? "No plan given." : "The plan has no scaled channels.", "class", "empty").close("section");
            return;
        }
        h.element("p", "Every channel's scale s (producers × s, consumers ÷ s), on log₂ bins; powers of two sit on bin centres.", "class", "lead");
        h.raw(HistogramSvg.render(plan.get().scalesByPair()));
        h.open("div", "class", "swatches");
        HistogramSvg.colors(new ArrayList<>(plan.get().scalesByPair().keySet())).forEach((pair, color) ->
            h.open("span").element("span", "", "class", "swatch", "style", "background:" + color).text(pair + " (" + plan.get().scalesByPair().get(pair).length + ")").close("span"));
        h.close("div").close("section").newline();
    }

    static void issues(Html h, PatternReport before, Optional<PlanView> plan) {
        List<SiteIssue> rows = new ArrayList<>();
        plan.ifPresent(p -> rows.addAll(p.issues()));
        for (String note : before.notes()) rows.add(new SiteIssue("model", "", "note", note));
        for (AttentionStats a : before.attention()) for (String note : a.notes()) rows.add(new SiteIssue("layers." + a.layer(), "", "note", note));
        h.open("section", "class", "panel", "id", "issues");
        h.element("h2", "Skipped, clamped and degenerate sites");
        if (rows.isEmpty()) {
            h.element("p", "None: every site was balanced as asked.", "class", "empty").close("section");
            return;
        }
        h.open("table").open("thead").open("tr").element("th", "site").element("th", "pair").element("th", "status").element("th", "reason")
            .close("tr").close("thead").open("tbody");
        for (SiteIssue r : rows) {
            h.open("tr").element("td", r.site(), "class", "mono").element("td", r.pair(), "class", "mono");
            h.open("td").element("span", r.status(), "class", "status " + r.status()).close("td");
            h.element("td", r.detail()).close("tr");
        }
        h.close("tbody").close("table").close("section").newline();
    }

    static void verification(Html h, Optional<VerifySummary> verify) {
        h.open("section", "class", "panel", "id", "verification");
        h.element("h2", "Verification");
        if (verify.isEmpty()) {
            h.element("p", "No verification result given (run wisca verify BEFORE AFTER).", "class", "empty").close("section");
            return;
        }
        VerifySummary v = verify.get();
        h.open("div", "class", "verify");
        h.element("span", "result", "class", "k").open("span");
        badge(h, v.equivalent());
        h.close("span");
        h.element("span", "max abs difference", "class", "k").element("span", Format.number(v.maxAbsDiff()));
        h.element("span", "max rel difference", "class", "k").element("span", Format.number(v.maxRelDiff()));
        h.element("span", "tolerance", "class", "k").element("span", v.tolerance());
        h.element("span", "detail", "class", "k").element("span", v.detail());
        h.close("div").close("section").newline();
    }

    private static void figure(Html h, String when, BalanceGrid grid, BalanceGrid.Kind kind, DivergingScale scale) {
        h.open("figure").open("figcaption").text(when).element("span", grid.groupSize() + " query head" + (grid.groupSize() == 1 ? "" : "s")
            + " per KV head", "class", "hint").close("figcaption");
        h.raw(HeatmapSvg.render(grid, kind.label + " " + when.toLowerCase(Locale.ROOT) + ", log₂ ratio", scale));
        h.close("figure");
    }

    private static void card(Html h, String label, String value, String detail) {
        h.open("div", "class", "card").element("div", label, "class", "label").element("div", value, "class", "value")
            .element("div", detail, "class", "detail").close("div");
    }

    private static void badge(Html h, boolean pass) {
        h.element("span", pass ? "PASS" : "FAIL", "class", "badge " + (pass ? "pass" : "fail"));
    }

    private static long nonFinite(PatternReport r) {
        return r.tensors().stream().filter(t -> t.values() != null && t.values().nanCount() + t.values().infCount() > 0).count();
    }

    private static String notesFor(PatternReport r, BalanceGrid.Kind kind) {
        String prefix = kind.name() + " ";
        return r.notes().stream().filter(n -> n.startsWith(prefix)).findFirst().map(n -> ": " + n).orElse(".");
    }

    private static String files(PatternReport r) {
        if (r.files().isEmpty()) return "(in memory)";
        if (r.files().size() == 1) return r.files().getFirst();
        Path first = Path.of(r.files().getFirst());
        return first.getParent() + " (" + r.files().size() + " shards)";
    }

    private static String date(String iso) {
        return iso.length() >= 16 ? iso.substring(0, 10) + " " + iso.substring(11, 16) + " UTC" : iso;
    }
}
