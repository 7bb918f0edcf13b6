package dev.wisca.sdk.report;

import java.util.Locale;

/**
 * Colors for log₂ ratios: white at ratio 1, red above (producer heavier), blue below (consumer
 * heavier), saturating at ±{@code limit}. ColorBrewer RdBu stops; NaN is grey.
 */
record DivergingScale(double limit) {
    private static final int[][] STOPS = {
        {0x21, 0x66, 0xac}, {0x67, 0xa9, 0xcf}, {0xd1, 0xe5, 0xf0}, {0xf7, 0xf7, 0xf7},
        {0xfd, 0xdb, 0xc7}, {0xef, 0x8a, 0x62}, {0xb2, 0x18, 0x2b}};
    static final String MISSING = "#c8c8c8";

    /** The smallest of 0.25, 0.5, 1, 2, 3, 4, 6, 8, … covering {@code maxAbs}. */
    static DivergingScale covering(double maxAbs) {
        double[] nice = {0.25, 0.5, 1, 2, 3, 4, 6, 8, 12, 16};
        for (double n : nice) if (maxAbs <= n) return new DivergingScale(n);
        return new DivergingScale(Math.ceil(maxAbs));
    }

    String color(double log2) {
        if (Double.isNaN(log2)) return MISSING;
        double t = (Math.max(-1, Math.min(1, log2 / limit)) + 1) / 2 * (STOPS.length - 1);
        int i = Math.min(STOPS.length - 2, (int) Math.floor(t));
        double f = t - i;
        int[] a = STOPS[i], b = STOPS[i + 1];
        return String.format(Locale.ROOT, "#%02x%02x%02x", mix(a[0], b[0], f), mix(a[1], b[1], f), mix(a[2], b[2], f));
    }

    /** Dark text on light cells, white on saturated ones. */
    String textColor(double log2) {
        return !Double.isNaN(log2) && Math.abs(log2) / limit > 0.6 ? "#ffffff" : "#1f2933";
    }

    private static int mix(int a, int b, double f) { return (int) Math.round(a + (b - a) * f); }
}
