package dev.wisca.rescale.forward;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.spec.RopePairing;

/**
 * Rotary position embedding of a model: how many dims of each head rotate and the inverse frequency
 * of each rotary pair, after {@code rope_scaling}. Pair i (its dims given by a {@link RopePairing};
 * transformers' rotate_half pairs d with d + rotaryDims/2) turns by angle position · invFreq[i];
 * dims from rotaryDims on pass unchanged.
 *
 * @param rotaryDims leading dims of a head that rotate (even)
 * @param invFreq    rotaryDims/2 inverse frequencies
 */
public record Rope(int rotaryDims, double[] invFreq) {
    public Rope {
        if (rotaryDims % 2 != 0 || invFreq.length != rotaryDims / 2) {
            throw new IllegalArgumentException("rotary dims " + rotaryDims + " with " + invFreq.length + " frequencies");
        }
        invFreq = invFreq.clone();
    }

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
            x[a] = x1 * cos - x2 * sin;
            x[b] = x2 * cos + x1 * sin;
        }
    }

    /**
     * transformers' default inverse frequencies {@code 1 / theta^(2i/rot)} scaled by {@code scaling}
     * (a rope_scaling / rope_parameters object, or null / missing for none).
     */
    public static Rope of(int rotaryDims, double theta, JsonNode scaling) {
        double[] inv = new double[rotaryDims / 2];
        for (int i = 0; i < inv.length; i++) inv[i] = 1 / Math.pow(theta, (2.0 * i) / rotaryDims);
        String type = type(scaling);
        switch (type) {
            case "default" -> { }
            case "linear" -> {
                double factor = number(scaling, "factor");
                for (int i = 0; i < inv.length; i++) inv[i] /= factor;
            }
            case "llama3" -> llama3(inv, scaling);
            default -> throw new WiscaException(ErrorKind.INVALID_CONFIG, null, null, "rope scaling type '" + type
                + "' is not supported by the reference forward pass (default, linear, llama3)");
        }
        return new Rope(rotaryDims, inv);
    }

    /** The rope type of a scaling object: {@code rope_type}, else {@code type}, else default. */
    static String type(JsonNode scaling) {
        if (scaling == null || scaling.isNull() || scaling.isMissingNode()) return "default";
        JsonNode t = scaling.hasNonNull("rope_type") ? scaling.get("rope_type") : scaling.get("type");
        return t == null || t.isNull() ? "default" : t.asText();
    }

    /** transformers' _compute_llama3_parameters: long wavelengths slowed by factor, a smooth band between. */
    private static void llama3(double[] inv, JsonNode s) {
        double factor = number(s, "factor");
        double low = number(s, "low_freq_factor");
        double high = number(s, "high_freq_factor");
        double oldContext = number(s, "original_max_position_embeddings");
        double lowWavelen = oldContext / low;
        double highWavelen = oldContext / high;
        for (int i = 0; i < inv.length; i++) {
            double wavelen = 2 * Math.PI / inv[i];
            if (wavelen > lowWavelen) {
                inv[i] = inv[i] / factor;
            } else if (wavelen >= highWavelen) {
                double smooth = (oldContext / wavelen - low) / (high - low);
                inv[i] = (1 - smooth) * inv[i] / factor + smooth * inv[i];
            }
        }
    }

    private static double number(JsonNode s, String key) {
        JsonNode n = s.get(key);
        if (n == null || !n.isNumber()) {
            throw new WiscaException(ErrorKind.INVALID_CONFIG, null, null, "rope scaling '" + type(s) + "' needs a number '" + key + "'");
        }
        return n.doubleValue();
    }
}
