package dev.wisca.rescale.forward;

/**
 * Attention sinks (gpt-oss): one learned logit per query head joins the softmax over the scores of
 * every position and is then dropped, so the kept probabilities sum to less than one. The sink is
 * added beside q·k, not to it: a Q/K rescale that leaves q·k unchanged leaves the sink's share unchanged too.
 */
public final class AttentionSinks {
    private AttentionSinks() {}

    /** Softmax of {@code x[0, n)} together with {@code sink}, in place, max-shifted; the sink's share is dropped. */
    static void softmax(double[] x, int n, double sink) {
        double max = sink;
        for (int i = 0; i < n; i++) max = Math.max(max, x[i]);
        double sum = Math.exp(sink - max);
        for (int i = 0; i < n; i++) {
            x[i] = Math.exp(x[i] - max);
            sum += x[i];
        }
        for (int i = 0; i < n; i++) x[i] /= sum;
    }
}
