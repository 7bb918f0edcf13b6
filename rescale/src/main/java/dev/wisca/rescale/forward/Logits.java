package dev.wisca.rescale.forward;

import java.util.Arrays;

/**
 * Output logits of a batch of token sequences, row-major {@code [batch, seq, vocab]}, widened to
 * double whatever the compute precision.
 */
public record Logits(int batch, int seq, int vocab, double[] values) {
    public Logits {
        if ((long) batch * seq * vocab != values.length) {
            throw new IllegalArgumentException("logits " + batch + "×" + seq + "×" + vocab + " but " + values.length + " values");
        }
    }

    public double get(int b, int t, int v) { return values[(b * seq + t) * vocab + v]; }

    /** The logits of one position, a fresh copy. */
    public double[] row(int b, int t) {
        int from = (b * seq + t) * vocab;
        return Arrays.copyOfRange(values, from, from + vocab);
    }

    /** The index of the largest logit at one position (the first on ties). */
    public int argmax(int b, int t) {
        int from = (b * seq + t) * vocab;
        int best = 0;
        for (int v = 1; v < vocab; v++) if (values[from + v] > values[from + best]) best = v;
        return best;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Logits l && batch == l.batch && seq == l.seq && vocab == l.vocab && Arrays.equals(values, l.values);
    }

    @Override
    public int hashCode() { return Arrays.hashCode(values); }

    @Override
    public String toString() { return "Logits[" + batch + "×" + seq + "×" + vocab + "]"; }
}
