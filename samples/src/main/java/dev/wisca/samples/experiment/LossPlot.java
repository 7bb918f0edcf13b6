package dev.wisca.samples.experiment;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A self-contained SVG: one panel per phase (pre-training, LoRA) of validation loss against step,
 * per arm the mean over seeds as a line and the min–max over seeds as a shaded band.
 */
final class LossPlot {
    private static final String[] COLORS = {"#222222", "#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};
    private static final int PANEL_W = 560, PANEL_H = 360, MARGIN = 60;

    private LossPlot() {}

    static String svg(List<Curves.Run> runs) {
        Map<Boolean, List<Curves.Run>> phases = new LinkedHashMap<>();
        for (Curves.Run r : runs) phases.computeIfAbsent(r.arm().startsWith("lora"), k -> new ArrayList<>()).add(r);
        int width = phases.size() * (PANEL_W + MARGIN) + MARGIN;
        StringBuilder svg = new StringBuilder(String.format(Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n"
                + "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n", width, PANEL_H + 2 * MARGIN + 20));
        int x0 = MARGIN;
        for (var phase : phases.entrySet()) {
            panel(svg, phase.getValue(), x0, MARGIN, phase.getKey() ? "LoRA fine-tuning: validation loss" : "Pre-training: validation loss");
            x0 += PANEL_W + MARGIN;
        }
        return svg.append("</svg>\n").toString();
    }

    /** Mean and min/max over seeds of one arm's validation loss, by step. */
    private record Band(TreeMap<Long, double[]> byStep) {}

    private static void panel(StringBuilder svg, List<Curves.Run> runs, int x0, int y0, String title) {
        Map<String, TreeMap<Long, List<Double>>> arms = new LinkedHashMap<>();
        for (Curves.Run r : runs) {
            for (Curves.Point p : r.points()) {
                if (!p.split().equals("val")) continue;
                arms.computeIfAbsent(r.arm(), k -> new TreeMap<>()).computeIfAbsent(p.step(), k -> new ArrayList<>()).add(p.loss());
            }
        }
        long maxStep = 1;
        double lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
        for (var a : arms.values()) {
            for (var e : a.entrySet()) {
                maxStep = Math.max(maxStep, e.getKey());
                if (e.getKey() == 0) continue; // the first point (untrained) would flatten the interesting part
                for (double v : e.getValue()) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
            }
        }
        if (lo > hi) { lo = 0; hi = 1; }
        double pad = (hi - lo) * 0.05 + 1e-9;
        final double yLo = lo - pad, yHi = hi + pad;
        final long xMax = maxStep;
        java.util.function.DoubleUnaryOperator sx = st -> x0 + st / xMax * PANEL_W;
        java.util.function.DoubleUnaryOperator sy = v -> y0 + PANEL_H - (Math.min(Math.max(v, yLo), yHi) - yLo) / (yHi - yLo) * PANEL_H;
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"14\" font-weight=\"bold\">%s</text>%n", x0, y0 - 20, title));
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>%n", x0, y0, PANEL_W, PANEL_H));
        for (int i = 0; i <= 5; i++) {
            double v = yLo + (yHi - yLo) * i / 5;
            double y = sy.applyAsDouble(v);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.3f</text>%n",
                x0, x0 + PANEL_W, y, y, x0 - 4, y + 4, v));
            long st = Math.round((double) xMax * i / 5);
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>%n", sx.applyAsDouble(st), y0 + PANEL_H + 16, st));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">step</text>%n", x0 + PANEL_W / 2, y0 + PANEL_H + 34));
        svg.append(String.format(Locale.ROOT, "<text transform=\"translate(%d,%d) rotate(-90)\" text-anchor=\"middle\">validation loss (nats/byte), mean and min–max over seeds</text>%n",
            x0 - 45, y0 + PANEL_H / 2));
        int color = 0, legend = 0;
        for (var a : arms.entrySet()) {
            String c = COLORS[color++ % COLORS.length];
            StringBuilder upper = new StringBuilder(), lower = new StringBuilder(), mean = new StringBuilder();
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
            for (int i = lowerPts.size() - 1; i >= 0; i--) lower.append(lowerPts.get(i));
            svg.append(String.format(Locale.ROOT, "<polygon points=\"%s%s\" fill=\"%s\" fill-opacity=\"0.15\" stroke=\"none\"/>%n", upper, lower, c));
            svg.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.6\"/>%n", mean, c));
            int ly = y0 + 16 + 16 * legend++;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/><text x=\"%d\" y=\"%d\">%s</text>%n",
                x0 + PANEL_W - 200, x0 + PANEL_W - 180, ly - 4, ly - 4, c, x0 + PANEL_W - 175, ly, a.getKey()));
        }
    }
}
