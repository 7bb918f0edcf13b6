package dev.wisca.samples.experiment;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.DoubleUnaryOperator;

/**
 * A self-contained SVG, one row per phase (pre-training, LoRA): left, validation loss against step
 * per arm (mean over seeds as a line, min–max over seeds as a shaded band); right, the difference to
 * the phase's baseline paired by seed (same initialization and data order), so effects smaller than
 * the seed spread stay visible.
 */
final class LossPlot {
    private static final String[] COLORS = {"#222222", "#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};
    private static final int W = 560, H = 300, MARGIN = 70, TOP = 50;

    private LossPlot() {}

    static String svg(List<Curves.Run> runs) {
        Map<Boolean, List<Curves.Run>> phases = new LinkedHashMap<>();
        for (Curves.Run r : runs) phases.computeIfAbsent(r.arm().startsWith("lora"), k -> new ArrayList<>()).add(r);
        int rowHeight = H + TOP + 50;
        StringBuilder svg = new StringBuilder(String.format(Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n"
                + "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n", 2 * (W + MARGIN) + 20, phases.size() * rowHeight + 10));
        int y0 = TOP, panel = 0;
        for (var phase : phases.entrySet()) {
            String name = phase.getKey() ? "LoRA fine-tuning" : "Pre-training";
            String baseline = phase.getKey() ? "lora" : "baseline";
            Map<String, TreeMap<Long, List<Double>>> loss = validation(phase.getValue(), null);
            Map<String, TreeMap<Long, List<Double>>> delta = validation(phase.getValue(), baseline);
            panel(svg, loss, MARGIN, y0, name + ": validation loss", "val loss (nats/byte)", panel++, false);
            panel(svg, delta, 2 * MARGIN + W, y0, name + ": val loss − " + baseline + " (same seed)", "Δ val loss (nats/byte)", panel++, true);
            y0 += rowHeight;
        }
        return svg.append("</svg>\n").toString();
    }

    /** Per arm, per step, the seeds' validation losses (minus the same seed's baseline when {@code baseline} is given). */
    private static Map<String, TreeMap<Long, List<Double>>> validation(List<Curves.Run> runs, String baseline) {
        Map<String, Double> base = new LinkedHashMap<>();
        if (baseline != null) {
            for (Curves.Run r : runs) {
                if (!r.arm().equals(baseline)) continue;
                for (Curves.Point p : r.points()) if (p.split().equals("val")) base.put(r.seed() + ":" + p.step(), p.loss());
            }
        }
        Map<String, TreeMap<Long, List<Double>>> arms = new LinkedHashMap<>();
        for (Curves.Run r : runs) {
            for (Curves.Point p : r.points()) {
                if (!p.split().equals("val")) continue;
                double v = p.loss();
                if (baseline != null) {
                    Double b = base.get(r.seed() + ":" + p.step());
                    if (b == null) continue;
                    v -= b;
                }
                arms.computeIfAbsent(r.arm(), k -> new TreeMap<>()).computeIfAbsent(p.step(), k -> new ArrayList<>()).add(v);
            }
        }
        return arms;
    }

    private static void panel(StringBuilder svg, Map<String, TreeMap<Long, List<Double>>> arms, int x0, int y0, String title,
                              String yLabel, int id, boolean zeroLine) {
        long maxStep = 1;
        for (var a : arms.values()) maxStep = Math.max(maxStep, a.lastKey());
        // The y range ignores the first tenth of training (the untrained start would flatten the rest); lines leave the panel there.
        double lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
        for (var a : arms.values()) {
            for (var e : a.entrySet()) {
                if (e.getKey() < maxStep / 10) continue;
                for (double v : e.getValue()) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
            }
        }
        if (zeroLine) { lo = Math.min(lo, 0); hi = Math.max(hi, 0); }
        if (lo > hi) { lo = 0; hi = 1; }
        double pad = (hi - lo) * 0.06 + 1e-9;
        double yLo = lo - pad, yHi = hi + pad;
        long xMax = maxStep;
        DoubleUnaryOperator sx = st -> x0 + st / xMax * W;
        DoubleUnaryOperator sy = v -> y0 + H - (v - yLo) / (yHi - yLo) * H;
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"14\" font-weight=\"bold\">%s</text>%n", x0, y0 - 14, title));
        svg.append(String.format(Locale.ROOT, "<clipPath id=\"c%d\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/></clipPath>%n", id, x0, y0, W, H));
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>%n", x0, y0, W, H));
        for (int i = 0; i <= 5; i++) {
            double v = yLo + (yHi - yLo) * i / 5;
            double y = sy.applyAsDouble(v);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.4f</text>%n",
                x0, x0 + W, y, y, x0 - 4, y + 4, v));
            long st = Math.round((double) xMax * i / 5);
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>%n", sx.applyAsDouble(st), y0 + H + 16, st));
        }
        if (zeroLine) {
            double y = sy.applyAsDouble(0);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#555\" stroke-dasharray=\"4 3\"/>%n", x0, x0 + W, y, y));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">step</text>%n", x0 + W / 2, y0 + H + 32));
        svg.append(String.format(Locale.ROOT, "<text transform=\"translate(%d,%d) rotate(-90)\" text-anchor=\"middle\">%s</text>%n", x0 - 55, y0 + H / 2, yLabel));
        int color = 0, legend = 0;
        svg.append(String.format(Locale.ROOT, "<g clip-path=\"url(#c%d)\">%n", id));
        StringBuilder legends = new StringBuilder();
        for (var a : arms.entrySet()) {
            String c = COLORS[color++ % COLORS.length];
            StringBuilder upper = new StringBuilder(), mean = new StringBuilder();
            List<String> lowerPts = new ArrayList<>();
            for (var e : a.getValue().entrySet()) {
                double x = sx.applyAsDouble(e.getKey());
                double min = e.getValue().stream().mapToDouble(d -> d).min().orElse(0);
                double max = e.getValue().stream().mapToDouble(d -> d).max().orElse(0);
                double avg = e.getValue().stream().mapToDouble(d -> d).average().orElse(0);
                upper.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, sy.applyAsDouble(max)));
                lowerPts.add(String.format(Locale.ROOT, "%.1f,%.1f ", x, sy.applyAsDouble(min)));
                mean.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, sy.applyAsDouble(avg)));
            }
            StringBuilder band = new StringBuilder(upper);
            for (int i = lowerPts.size() - 1; i >= 0; i--) band.append(lowerPts.get(i));
            svg.append(String.format(Locale.ROOT, "<polygon points=\"%s\" fill=\"%s\" fill-opacity=\"0.13\" stroke=\"none\"/>%n", band, c));
            svg.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.6\"/>%n", mean, c));
            int ly = y0 + 16 + 15 * legend++;
            legends.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/><text x=\"%d\" y=\"%d\">%s</text>%n",
                x0 + W - 190, x0 + W - 172, ly - 4, ly - 4, c, x0 + W - 166, ly, a.getKey()));
        }
        svg.append("</g>\n").append(legends);
    }
}
