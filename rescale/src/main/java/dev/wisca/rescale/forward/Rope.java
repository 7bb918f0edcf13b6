package dev.wisca.rescale.forward;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.rescale.spec.RopePairing;

import java.util.function.IntFunction;

/**
 * Rotary position embedding of a model: how many dims of each head rotate and the inverse frequency
 * of each rotary pair, after {@code rope_scaling} (see {@link RopeScaling}). Pair i (its dims given by a
 * {@link RopePairing}; transformers' rotate_half pairs d with d + rotaryDims/2) turns by angle
 * position · invFreq[i], and both its dims are multiplied by {@code attentionScaling} (transformers
 * multiplies cos and sin by it: yarn, longrope); dims from rotaryDims on pass unchanged.
 *
 * @param rotaryDims       leading dims of a head that rotate (even)
 * @param invFreq          rotaryDims/2 inverse frequencies
 * @param attentionScaling factor on the rotated dims (1 for most rope types)
 * @param atLength         for rope types that depend on the sequence length (dynamic, longrope): the
 *                         rope of a forward call over that many positions; null otherwise
 */
public record Rope(int rotaryDims, double[] invFreq, double attentionScaling, IntFunction<Rope> atLength) {
    public Rope {
        if (rotaryDims % 2 != 0 || invFreq.length != rotaryDims / 2) {
            throw new IllegalArgumentException("rotary dims " + rotaryDims + " with " + invFreq.length + " frequencies");
        }
        invFreq = invFreq.clone();
    }

    /** Unscaled rotation at fixed frequencies. */
    public Rope(int rotaryDims, double[] invFreq) { this(rotaryDims, invFreq, 1, null); }

    /** The rope a forward call over {@code seqLen} positions uses (this one unless the type depends on the length). */
    public Rope forLength(int seqLen) { return atLength == null ? this : atLength.apply(seqLen); }

    @Override
    public double[] invFreq() { return invFreq.clone(); }

    public double invFreq(int i) { return invFreq[i]; }

    /** The angle pair i turns by at {@code position}. */
    public double angle(int i, long position) { return position * invFreq[i]; }

    /**
     * Rotates the rotary dims of one head (dims [offset, offset + headDim) of {@code x}) in place for
     * {@code position}: the second dim of each pair turns towards the first.
     */
    public void rotate(double[] x, int offset, RopePairing pairing, long position) {
        for (int i = 0; i < invFreq.length; i++) {
            double angle = angle(i, position);
            double cos = Math.cos(angle);
            double sin = Math.sin(angle);
            int a = offset + pairing.first(i, rotaryDims);
            int b = offset + pairing.second(i, rotaryDims);
            double x1 = x[a];
            double x2 = x[b];
            x[a] = (x1 * cos - x2 * sin) * attentionScaling;
            x[b] = (x2 * cos + x1 * sin) * attentionScaling;
        }
    }

    /**
     * The rope of a model before any forward call: transformers' inverse frequencies {@code 1 / theta^(2i/rot)}
     * after {@code scaling} (a rope_scaling / rope_parameters object, or null / missing for none).
     * Types that need config.json's max_position_embeddings fail here; use {@link #of(int, double, JsonNode, JsonNode)}.
     */
    public static Rope of(int rotaryDims, double theta, JsonNode scaling) { return of(rotaryDims, theta, scaling, null); }

    /** As {@link #of(int, double, JsonNode)}, reading max_position_embeddings and friends from {@code config}. */
    public static Rope of(int rotaryDims, double theta, JsonNode scaling, JsonNode config) {
        return RopeScaling.parse(scaling, config).rope(rotaryDims, theta, 0);
    }
}
