package dev.wisca.rescale.verify;

/** Compares one block's outputs from A and B under a tolerance. */
final class BlockComparison {
    private BlockComparison() {}

    static BlockResult compare(BlockOutput a, BlockOutput b, Tolerance tolerance) {
        if (a.value().length != b.value().length) {
            return BlockResult.failed(a.block(), a.layer(), "A gives " + a.value().length + " outputs, B " + b.value().length);
        }
        double scale = 0;
        for (double v : a.value()) if (Double.isFinite(v)) scale = Math.max(scale, Math.abs(v));
        double maxAbs = 0;
        double worstRatio = 0;
        double worstBound = tolerance.bound(0, scale);
        for (int i = 0; i < a.value().length; i++) {
            double d = difference(a.value()[i], b.value()[i]);
            double bound = tolerance.bound(a.variance()[i], scale);
            double ratio = d == 0 ? 0 : bound > 0 ? d / bound : Double.POSITIVE_INFINITY;
            maxAbs = Math.max(maxAbs, d);
            if (ratio > worstRatio || Double.isNaN(ratio)) {
                worstRatio = Double.isNaN(ratio) ? Double.POSITIVE_INFINITY : ratio;
                worstBound = bound;
            }
        }
        double maxRel = maxAbs == 0 ? 0 : scale > 0 ? maxAbs / scale : Double.POSITIVE_INFINITY;
        return new BlockResult(a.block(), a.layer(), a.value().length, maxAbs, maxRel, worstBound, worstRatio, worstRatio <= 1, "");
    }

    /** |a − b|, 0 for two NaNs or two equal infinities, infinite when only one side is not finite. */
    static double difference(double a, double b) {
        if (a == b || Double.isNaN(a) && Double.isNaN(b)) return 0;
        if (!Double.isFinite(a) || !Double.isFinite(b)) return Double.POSITIVE_INFINITY;
        return Math.abs(a - b);
    }
}
