package dev.wisca.rescale.verify;

/**
 * What one probed block produced for one checkpoint: its outputs over all probes, flattened, and
 * the rounding variance of each.
 *
 * @param block    name, e.g. {@code layers.3.qk head 5}
 * @param layer    layer index, -1 outside layers
 * @param value    outputs
 * @param variance rounding variance per output (first-order model, see {@link Noisy})
 */
record BlockOutput(String block, int layer, double[] value, double[] variance) {
    static BlockOutput of(String block, int layer, Noisy[] perProbe) {
        int n = 0;
        for (Noisy x : perProbe) n += x.length();
        double[] v = new double[n];
        double[] s = new double[n];
        int at = 0;
        for (Noisy x : perProbe) {
            System.arraycopy(x.value(), 0, v, at, x.length());
            System.arraycopy(x.variance(), 0, s, at, x.length());
            at += x.length();
        }
        return new BlockOutput(block, layer, v, s);
    }
}
