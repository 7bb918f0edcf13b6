package dev.wisca.sdk.report;

import static dev.wisca.sdk.report.Format.px;

/**
 * A layer × query-head heatmap of log₂ ratios as inline SVG: one {@code rect.head-cell} per (layer,
 * query head) with a {@code <title>} tooltip, the query heads of one KV group side by side and a thin
 * gap between groups, each group labelled with its KV head.
 */
final class HeadHeatmapSvg {
    private static final double LEFT = 46, TOP = 46, BOTTOM = 34, RIGHT = 8, GROUP_GAP = 3;

    private HeadHeatmapSvg() {}

    static String render(HeadGrid grid, String caption, DivergingScale scale) {
        int rows = grid.layers().length;
        int cols = grid.heads();
        int group = Math.max(1, grid.groupSize());
        int groups = (cols + group - 1) / group;
        double gap = group > 1 ? GROUP_GAP : 0;
        double cellW = Math.max(8, Math.min(48, (500.0 - gap * groups) / Math.max(cols, 1)));
        double cellH = Math.max(4, Math.min(24, 420.0 / Math.max(rows, 1)));
        boolean labels = cellW >= 40 && cellH >= 15;
        double gridW = cols * cellW + (groups - 1) * gap;
        String title = group > 1 ? "query head, grouped by KV head" : "query head (= KV head)";
        // axis titles stay centred on the grid unless the grid is narrower than they are
        double textHalf = Math.max(title.length(), caption.length()) * 3.4;
        double centre = Math.max(LEFT + gridW / 2, textHalf + 2);
        double width = Math.max(LEFT + gridW + RIGHT, centre + textHalf + 2);
        double height = TOP + rows * cellH + BOTTOM;
        Html svg = new Html();
        svg.open("svg", "class", "heatmap heads", "width", px(width), "height", px(height),
            "viewBox", "0 0 " + px(width) + " " + px(height), "role", "img", "aria-label", caption);
        svg.element("text", title, "x", px(centre), "y", "11",
            "class", "axis-title", "text-anchor", "middle");
        if (group > 1) groupLabels(svg, groups, group, cellW, gap);
        int headEvery = (int) Math.ceil(18.0 / cellW);
        for (int c = 0; c < cols; c += headEvery) {
            svg.element("text", Integer.toString(c), "x", px(x(c, group, cellW, gap) + cellW / 2), "y", px(TOP - 5), "class", "tick",
                "text-anchor", "middle");
        }
        int layerEvery = (int) Math.ceil(11.0 / cellH);
        for (int r = 0; r < rows; r++) {
            double y = TOP + r * cellH;
            int layer = grid.layers()[r];
            if (r % layerEvery == 0) {
                svg.element("text", Integer.toString(layer), "x", px(LEFT - 6), "y", px(y + cellH / 2 + 3.5), "class", "tick", "text-anchor", "end");
            }
            for (int c = 0; c < cols; c++) {
                double ratio = grid.ratios()[r][c];
                String tip = "layer " + layer + ", query head " + c + " against KV head " + c / group + ": " + grid.pair() + " = "
                    + Format.ratio(ratio) + " (log₂ " + Format.signed(BalanceGrid.log2(ratio)) + ")";
                HeatmapSvg.cell(svg, "head-cell", layer, c, x(c, group, cellW, gap), y, cellW, cellH, ratio, tip, scale, labels);
            }
        }
        double bottom = TOP + rows * cellH;
        svg.element("text", caption, "x", px(centre), "y", px(bottom + 22), "class", "axis-title", "text-anchor", "middle");
        svg.element("text", "layer", "x", "12", "y", px(TOP + rows * cellH / 2), "class", "axis-title", "text-anchor", "middle",
            "transform", "rotate(-90 12 " + px(TOP + rows * cellH / 2) + ")");
        svg.close("svg");
        return svg.toString();
    }

    /** "KV j" over each group with a thin bracket line spanning its query heads. */
    private static void groupLabels(Html svg, int groups, int group, double cellW, double gap) {
        double groupW = group * cellW;
        int every = (int) Math.ceil((groupW >= 34 ? 34 : 14) / groupW);
        for (int j = 0; j < groups; j++) {
            double x0 = x(j * group, group, cellW, gap);
            svg.empty("line", "class", "group-bracket", "x1", px(x0 + 0.5), "x2", px(x0 + groupW - 1.5), "y1", "27", "y2", "27");
            if (j % every == 0) {
                svg.element("text", (groupW >= 34 ? "KV " : "") + j, "x", px(x0 + groupW / 2 - 0.5), "y", "23", "class", "tick group",
                    "text-anchor", "middle");
            }
        }
    }

    private static double x(int head, int group, double cellW, double gap) {
        return LEFT + head * cellW + (double) (head / group) * gap;
    }
}
