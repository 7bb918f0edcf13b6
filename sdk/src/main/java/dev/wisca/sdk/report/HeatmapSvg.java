package dev.wisca.sdk.report;

import static dev.wisca.sdk.report.Format.px;

/**
 * A layer × KV-head heatmap of log₂ balance ratios as inline SVG: one {@code rect.cell} per
 * (layer, KV head) and one {@code rect.layer-cell} per layer for the tensor-wise ratio, each with a
 * {@code <title>} tooltip giving the exact ratio.
 */
final class HeatmapSvg {
    private static final double LEFT = 46, TOP = 30, GAP = 12, BOTTOM = 34, RIGHT = 8;

    private HeatmapSvg() {}

    static String render(BalanceGrid grid, String caption, DivergingScale scale) {
        int rows = grid.layers().length;
        int cols = grid.kvHeads();
        double cellW = Math.max(14, Math.min(64, 440.0 / (cols + 1)));
        double cellH = Math.max(4, Math.min(24, 420.0 / Math.max(rows, 1)));
        boolean labels = cellW >= 40 && cellH >= 15;
        double gridW = cols * cellW;
        double width = LEFT + gridW + GAP + cellW + RIGHT;
        double height = TOP + rows * cellH + BOTTOM;
        Html svg = new Html();
        svg.open("svg", "class", "heatmap", "width", px(width), "height", px(height), "viewBox", "0 0 " + px(width) + " " + px(height),
            "role", "img", "aria-label", caption);
        svg.element("text", "KV head", "x", px(LEFT + gridW / 2), "y", "11", "class", "axis-title", "text-anchor", "middle");
        for (int c = 0; c < cols; c++) {
            svg.element("text", Integer.toString(c), "x", px(LEFT + (c + 0.5) * cellW), "y", px(TOP - 5), "class", "tick", "text-anchor", "middle");
        }
        svg.element("text", "layer", "x", px(LEFT + gridW + GAP + cellW / 2), "y", px(TOP - 5), "class", "tick", "text-anchor", "middle");
        int every = (int) Math.ceil(11.0 / cellH);
        for (int r = 0; r < rows; r++) {
            double y = TOP + r * cellH;
            if (r % every == 0) {
                svg.element("text", Integer.toString(grid.layers()[r]), "x", px(LEFT - 6), "y", px(y + cellH / 2 + 3.5), "class", "tick", "text-anchor", "end");
            }
            for (int c = 0; c < cols; c++) {
                double ratio = grid.groupRatios()[r][c];
                String tip = "layer " + grid.layers()[r] + ", KV head " + c + " (query heads " + c * grid.groupSize() + "–"
                    + ((c + 1) * grid.groupSize() - 1) + "): " + grid.pair() + " = " + Format.ratio(ratio) + " (log₂ " + Format.signed(BalanceGrid.log2(ratio)) + ")";
                cell(svg, "cell", grid.layers()[r], c, LEFT + c * cellW, y, cellW, cellH, ratio, tip, scale, labels);
            }
            double ratio = grid.layerRatios()[r];
            String tip = "layer " + grid.layers()[r] + ", whole tensors: " + grid.pair() + " = " + Format.ratio(ratio)
                + " (log₂ " + Format.signed(BalanceGrid.log2(ratio)) + ")";
            cell(svg, "layer-cell", grid.layers()[r], -1, LEFT + gridW + GAP, y, cellW, cellH, ratio, tip, scale, labels);
        }
        double bottom = TOP + rows * cellH;
        svg.element("text", caption, "x", px(LEFT + gridW / 2), "y", px(bottom + 22), "class", "axis-title", "text-anchor", "middle");
        svg.element("text", "layer", "x", "12", "y", px(TOP + rows * cellH / 2), "class", "axis-title", "text-anchor", "middle",
            "transform", "rotate(-90 12 " + px(TOP + rows * cellH / 2) + ")");
        svg.close("svg");
        return svg.toString();
    }

    static void cell(Html svg, String cls, int layer, int head, double x, double y, double w, double h, double ratio,
                             String tip, DivergingScale scale, boolean label) {
        double log2 = BalanceGrid.log2(ratio);
        svg.open("rect", "class", cls, "data-layer", Integer.toString(layer), "data-head", Integer.toString(head),
            "data-ratio", Double.toString(ratio), "x", px(x), "y", px(y), "width", px(w - 1), "height", px(h - 1),
            "fill", scale.color(log2));
        svg.element("title", tip).close("rect");
        if (label) {
            svg.element("text", Format.ratio(ratio), "x", px(x + (w - 1) / 2), "y", px(y + (h - 1) / 2 + 3.5), "class", "cell-label",
                "text-anchor", "middle", "fill", scale.textColor(log2));
        }
    }

    /** A horizontal color legend from ratio 2^-limit to 2^limit. */
    static String legend(DivergingScale scale, String id) {
        return legend(scale, id, Double.NaN);
    }

    /** The legend with a dark mark across the bar at log₂ ratio {@code markLog2} (none when NaN or off the scale). */
    static String legend(DivergingScale scale, String id, double markLog2) {
        double w = 300, barX = 10, barY = 18, barH = 12;
        Html svg = new Html();
        svg.open("svg", "class", "legend", "width", px(w + 2 * barX), "height", "56", "viewBox", "0 0 " + px(w + 2 * barX) + " 56",
            "role", "img", "aria-label", "color scale");
        svg.open("defs").open("linearGradient", "id", id, "x1", "0", "x2", "1", "y1", "0", "y2", "0");
        for (int i = 0; i <= 20; i++) {
            double t = i / 20.0;
            svg.empty("stop", "offset", px(t * 100) + "%", "stop-color", scale.color((2 * t - 1) * scale.limit()));
        }
        svg.close("linearGradient").close("defs");
        svg.element("text", "consumer heavier", "x", px(barX), "y", "11", "class", "tick");
        svg.element("text", "producer heavier", "x", px(barX + w), "y", "11", "class", "tick", "text-anchor", "end");
        svg.empty("rect", "x", px(barX), "y", px(barY), "width", px(w), "height", px(barH), "fill", "url(#" + id + ")", "stroke", "#9aa5b1",
            "stroke-width", "0.5");
        if (Math.abs(markLog2) <= scale.limit()) {
            double x = barX + (markLog2 / scale.limit() + 1) / 2 * w;
            svg.empty("rect", "class", "legend-mark", "x", px(x - 1.5), "y", px(barY - 3), "width", "3", "height", px(barH + 6), "fill", "#102a43");
        }
        for (int i = -2; i <= 2; i++) {
            double k = scale.limit() * i / 2;
            double x = barX + (i + 2) / 4.0 * w;
            svg.empty("line", "x1", px(x), "x2", px(x), "y1", px(barY + barH), "y2", px(barY + barH + 4), "stroke", "#52606d");
            svg.element("text", (i == 0 ? "ratio " : "") + Format.power(k), "x", px(x), "y", px(barY + barH + 16), "class", "tick",
                "text-anchor", i == -2 ? "start" : i == 2 ? "end" : "middle");
        }
        svg.close("svg");
        return svg.toString();
    }
}
