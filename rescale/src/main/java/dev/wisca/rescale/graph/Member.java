package dev.wisca.rescale.graph;

import java.util.Arrays;

/**
 * One slice family of a tensor that a site scales: for every index {@code i} along {@code axis}
 * with {@code channelOf[i] = c >= 0}, the slice is multiplied by {@code s_c^exponent}
 * (exponent +1 = producer, -1 = consumer); indices with {@code channelOf[i] = -1} are untouched.
 *
 * @param tensor     stored tensor name
 * @param batch      index along the leading axis of a 3-D tensor (fused MoE experts), or -1
 * @param axis       storage axis of the (batch) matrix, after any layout transposition (GPT-2 Conv1D)
 * @param channelOf  channel of each index along the axis, or -1
 * @param exponent   +1 or -1
 * @param offsetGain the tensor stores w for a gain of (1 + w) (Gemma norms): the gain is scaled, not w
 */
public record Member(String tensor, int batch, Axis axis, int[] channelOf, int exponent, boolean offsetGain) {
    public Member {
        if (exponent != 1 && exponent != -1) throw new IllegalArgumentException("exponent must be +1 or -1");
        channelOf = channelOf.clone();
    }

    @Override
    public int[] channelOf() { return channelOf.clone(); }

    /** Length of the scaled axis. */
    public int length() { return channelOf.length; }

    /** Channel of index i along the axis, or -1. */
    public int channel(int i) { return channelOf[i]; }

    public boolean isProducer() { return exponent > 0; }

    @Override
    public boolean equals(Object o) {
        return o instanceof Member m && tensor.equals(m.tensor) && batch == m.batch && axis == m.axis
            && Arrays.equals(channelOf, m.channelOf) && exponent == m.exponent && offsetGain == m.offsetGain;
    }

    @Override
    public int hashCode() { return tensor.hashCode() * 31 + Arrays.hashCode(channelOf); }

    @Override
    public String toString() {
        return (exponent > 0 ? "×s " : "÷s ") + tensor + (batch >= 0 ? "[" + batch + "]" : "") + "." + axis;
    }
}
