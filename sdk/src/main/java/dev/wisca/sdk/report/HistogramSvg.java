package dev.wisca.sdk.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.wisca.sdk.report.Format.px;

/**
 * Histogram of scale factors on log₂ bins as inline SVG, bars stacked by pair kind. Bin width is the
 * smallest of 1/8, 1/4, 1/2, 1, 2, … giving at most 24 bins; power-of-two scales fall on bin centres.
 */
final class HistogramSvg {
    static final String[] PALETTE = {"#3e7cb1", "#e07a5f", "#81b29a", "#f2cc8f", "#8d6a9f", "#5c6b73"};
    private static final double LEFT = 48, TOP = 14, BOTTOM = 46, WIDTH = 620, HEIGHT = 250;

    private HistogramSvg() {}

    /** {@code scalesByPair}: pair label → every channel's scale factor. */
    static String render(Map<String, double[]> scalesByPair) {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double[] v : scalesByPair.values()) {
            for (double s : v) {
                double k = BalanceGrid.log2(s);
                if (Double.isFinite(k)) {
                    lo = Math.min(lo, k);
                    hi = Math.max(hi, k);
                }
            }
        }
        if (lo > hi) return "";
        double width = 0.125;
        while ((hi - lo) / width > 23) width *= 2;
        double first = Math.floor(lo / width + 0.5) - 0.5;
        int bins = (int) (Math.floor(hi / width + 0.5) - 0.5 - first) + 1;
        List<String> pairs = new ArrayList<>(scalesByPair.keySet());
        long[][] counts = new long[pairs.size()][bins];
        for (int p = 0; p < pairs.size(); p++) {
            for (double s : scalesByPair.get(pairs.get(p))) {
                double k = BalanceGrid.log2(s);
                if (!Double.isFinite(k)) continue;
                int b = (int) Math.floor(k / width - first + 1e-9);
                counts[p][Math.max(0, Math.min(bins - 1, b))]++;
            }
        }
        long max = 1;
        for (int b = 0; b < bins; b++) {
            long sum = 0;
            for (long[] c : counts) sum += c[b];
            max = Math.max(max, sum);
        }
        long step = yStep(max);
        max = (max + step - 1) / step * step;
        double plotW = Math.min(WIDTH - LEFT - 10, bins * 56.0), plotH = HEIGHT - TOP - BOTTOM;
        double barW = plotW / bins;
        Html svg = new Html();
        double svgW = LEFT + plotW + 24;
        svg.open("svg", "class", "histogram", "width", px(svgW), "height", px(HEIGHT), "viewBox", "0 0 " + px(svgW) + " " + px(HEIGHT),
            "role", "img", "aria-label", "histogram of scale factors");
        for (long v = 0; v <= max; v += step) {
            double y = TOP + plotH - plotH * v / max;
            svg.empty("line", "x1", px(LEFT), "x2", px(LEFT + plotW), "y1", px(y), "y2", px(y), "class", "gridline");
            svg.element("text", Format.count(v), "x", px(LEFT - 6), "y", px(y + 3.5), "class", "tick", "text-anchor", "end");
        }
        for (int b = 0; b < bins; b++) {
            double x = LEFT + b * barW;
            double y = TOP + plotH;
            double center = (first + b + 0.5) * width;
            for (int p = 0; p < pairs.size(); p++) {
                if (counts[p][b] == 0) continue;
                double h = plotH * counts[p][b] / max;
                y -= h;
                svg.open("rect", "class", "bar", "x", px(x + 1), "y", px(y), "width", px(Math.max(1, barW - 2)), "height", px(h),
                    "fill", PALETTE[p % PALETTE.length]);
                svg.element("title", pairs.get(p) + ": " + counts[p][b] + " channel" + (counts[p][b] == 1 ? "" : "s") + " with scale in [2^"
                    + Format.number((first + b) * width) + ", 2^" + Format.number((first + b + 1) * width) + ")").close("rect");
            }
            int labelEvery = Math.max(1, (int) Math.ceil(bins / 12.0));
            if (b % labelEvery == 0) {
                svg.element("text", "×" + Format.power(center), "x", px(x + barW / 2), "y", px(TOP + plotH + 15), "class", "tick", "text-anchor", "middle");
            }
        }
        svg.empty("line", "x1", px(LEFT), "x2", px(LEFT + plotW), "y1", px(TOP + plotH), "y2", px(TOP + plotH), "class", "axis");
        svg.element("text", "scale factor s (log₂ bins of width " + Format.number(width) + ")", "x", px(LEFT + plotW / 2), "y", px(HEIGHT - 8),
            "class", "axis-title", "text-anchor", "middle");
        svg.close("svg");
        return svg.toString();
    }

    /** A 1-2-5 step giving at most 5 integer gridlines up to {@code max}. */
    private static long yStep(long max) {
        long magnitude = 1;
        while (true) {
            for (long m : new long[] {1, 2, 5}) {
                if (max <= 5 * m * magnitude) return m * magnitude;
            }
            magnitude *= 10;
        }
    }

    static Map<String, String> colors(List<String> pairs) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int p = 0; p < pairs.size(); p++) out.put(pairs.get(p), PALETTE[p % PALETTE.length]);
        return out;
    }
}
