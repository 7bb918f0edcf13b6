package dev.wisca.rescale.verify;

/**
 * How one probed block (or check) of A and B compared.
 *
 * @param block     name, e.g. {@code layers.3.qk head 5}, {@code lm_head}, {@code untouched tensors}
 * @param layer     layer index, -1 outside layers
 * @param outputs   number of outputs compared
 * @param maxAbs    largest |A − B| over the outputs
 * @param maxRel    maxAbs divided by the block's largest |output of A| (0 when both are 0)
 * @param tolerance the allowed |Δ| at the output that came closest to (or furthest past) its bound
 * @param ratio     max over outputs of |Δ| / bound: ≤ 1 passes
 * @param ok        whether every output is within its bound
 * @param detail    what failed, for checks that are not numeric (a differing untouched tensor), else empty
 */
public record BlockResult(String block, int layer, long outputs, double maxAbs, double maxRel, double tolerance, double ratio,
                          boolean ok, String detail) {
    static BlockResult failed(String block, int layer, String detail) {
        return new BlockResult(block, layer, 0, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, 0, Double.POSITIVE_INFINITY, false, detail);
    }

    static BlockResult passed(String block, int layer, long outputs, String detail) {
        return new BlockResult(block, layer, outputs, 0, 0, 0, 0, true, detail);
    }
}
