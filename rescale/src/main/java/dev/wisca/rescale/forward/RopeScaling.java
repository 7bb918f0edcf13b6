package dev.wisca.rescale.forward;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;

/**
 * A {@code rope_scaling} / {@code rope_parameters} object, as transformers' {@code modeling_rope_utils}
 * reads it: the rope type's inverse frequencies and the attention factor that multiplies cos and sin.
 * {@code dynamic} and {@code longrope} depend on the length of the sequence being run (transformers
 * recomputes them from {@code max(position_ids) + 1}); the others do not.
 */
sealed interface RopeScaling {
    /** The frequencies for a forward call over {@code seqLen} positions (0: before any call, transformers' init). */
    Rope rope(int rotaryDims, double theta, int seqLen);

    /** Parses a scaling object (null or missing: default); {@code config} supplies max_position_embeddings where needed. */
    static RopeScaling parse(JsonNode s, JsonNode config) {
        String type = type(s);
        return switch (type) {
            case "default" -> new Default();
            case "linear" -> new Linear(number(s, "factor"));
            case "llama3" -> new Llama3(number(s, "factor"), number(s, "low_freq_factor"), number(s, "high_freq_factor"),
                number(s, "original_max_position_embeddings"));
            case "dynamic" -> new Dynamic(number(s, "factor"), maxPositions(s, config));
            case "yarn" -> Yarn.of(s, config);
            case "longrope" -> LongRope.of(s, config);
            default -> throw new WiscaException(ErrorKind.INVALID_CONFIG, null, null, "rope scaling type '" + type
                + "' is not supported by the reference forward pass (default, linear, llama3, dynamic, yarn, longrope)");
        };
    }

    /** The rope type of a scaling object: {@code rope_type}, else {@code type}, else default. */
    static String type(JsonNode scaling) {
        if (scaling == null || scaling.isNull() || scaling.isMissingNode()) return "default";
        JsonNode t = scaling.hasNonNull("rope_type") ? scaling.get("rope_type") : scaling.get("type");
        return t == null || t.isNull() ? "default" : t.asText();
    }

    /** transformers' default inverse frequencies {@code 1 / theta^(2i/rot)}. */
    static double[] defaultInvFreq(int rotaryDims, double theta) {
        double[] inv = new double[rotaryDims / 2];
        for (int i = 0; i < inv.length; i++) inv[i] = 1 / Math.pow(theta, (2.0 * i) / rotaryDims);
        return inv;
    }

    record Default() implements RopeScaling {
        @Override
        public Rope rope(int rotaryDims, double theta, int seqLen) { return new Rope(rotaryDims, defaultInvFreq(rotaryDims, theta)); }
    }

    record Linear(double factor) implements RopeScaling {
        @Override
        public Rope rope(int rotaryDims, double theta, int seqLen) {
            double[] inv = defaultInvFreq(rotaryDims, theta);
            for (int i = 0; i < inv.length; i++) inv[i] /= factor;
            return new Rope(rotaryDims, inv);
        }
    }

    /** _compute_llama3_parameters: long wavelengths slowed by factor, a smooth band between. */
    record Llama3(double factor, double low, double high, double oldContext) implements RopeScaling {
        @Override
        public Rope rope(int rotaryDims, double theta, int seqLen) {
            double[] inv = defaultInvFreq(rotaryDims, theta);
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
            return new Rope(rotaryDims, inv);
        }
    }

    /** _compute_dynamic_ntk_parameters: beyond max_position_embeddings the base grows with the sequence. */
    record Dynamic(double factor, double maxPositions) implements RopeScaling {
        @Override
        public Rope rope(int rotaryDims, double theta, int seqLen) {
            double len = Math.max(seqLen, maxPositions);
            double base = theta * Math.pow(factor * len / maxPositions - (factor - 1), rotaryDims / (rotaryDims - 2.0));
            return new Rope(rotaryDims, defaultInvFreq(rotaryDims, base), 1, n -> rope(rotaryDims, theta, n));
        }
    }

    /** _compute_yarn_parameters: interpolation blended into extrapolation by a linear ramp over the dims, and an attention factor. */
    record Yarn(double factor, double attentionFactor, double betaFast, double betaSlow, double oldContext, boolean truncate)
        implements RopeScaling {
        static Yarn of(JsonNode s, JsonNode config) {
            double oldContext = number(s, "original_max_position_embeddings");
            double factor = s.hasNonNull("factor") ? number(s, "factor") : maxPositions(s, config) / oldContext;
            double attention;
            if (s.hasNonNull("attention_factor")) {
                attention = number(s, "attention_factor");
            } else {
                double mscale = optional(s, "mscale", 0);
                double mscaleAllDim = optional(s, "mscale_all_dim", 0);
                attention = mscale != 0 && mscaleAllDim != 0 ? mscale(factor, mscale) / mscale(factor, mscaleAllDim) : mscale(factor, 1);
            }
            double betaFast = optional(s, "beta_fast", 0);
            double betaSlow = optional(s, "beta_slow", 0);
            boolean truncate = !s.hasNonNull("truncate") || s.get("truncate").asBoolean(true);
            return new Yarn(factor, attention, betaFast == 0 ? 32 : betaFast, betaSlow == 0 ? 1 : betaSlow, oldContext, truncate);
        }

        private static double mscale(double scale, double m) { return scale <= 1 ? 1 : 0.1 * m * Math.log(scale) + 1; }

        private double correctionDim(double rotations, int dim, double base) {
            return dim * Math.log(oldContext / (rotations * 2 * Math.PI)) / (2 * Math.log(base));
        }

        @Override
        public Rope rope(int rotaryDims, double theta, int seqLen) {
            double low = correctionDim(betaFast, rotaryDims, theta);
            double high = correctionDim(betaSlow, rotaryDims, theta);
            if (truncate) {
                low = Math.floor(low);
                high = Math.ceil(high);
            }
            low = Math.max(low, 0);
            high = Math.min(high, rotaryDims - 1);
            if (low == high) high += 0.001;
            double[] inv = new double[rotaryDims / 2];
            for (int i = 0; i < inv.length; i++) {
                double posFreq = Math.pow(theta, (2.0 * i) / rotaryDims);
                double ramp = Math.min(1, Math.max(0, (i - low) / (high - low)));
                double extrapolation = 1 - ramp;
                inv[i] = 1 / (factor * posFreq) * (1 - extrapolation) + 1 / posFreq * extrapolation;
            }
            return new Rope(rotaryDims, inv, attentionFactor, null);
        }
    }

    /** _compute_longrope_parameters: per-pair factors, the long ones once the sequence exceeds the original context. */
    record LongRope(double[] shortFactor, double[] longFactor, double oldContext, double attentionFactor) implements RopeScaling {
        static LongRope of(JsonNode s, JsonNode config) {
            double oldContext = s.hasNonNull("original_max_position_embeddings") ? number(s, "original_max_position_embeddings")
                : number(config, "original_max_position_embeddings");
            double factor = s.hasNonNull("factor") ? number(s, "factor") : maxPositions(s, config) / oldContext;
            double attention = s.hasNonNull("attention_factor") ? number(s, "attention_factor")
                : factor <= 1 ? 1 : Math.sqrt(1 + Math.log(factor) / Math.log(oldContext));
            return new LongRope(numbers(s, "short_factor"), numbers(s, "long_factor"), oldContext, attention);
        }

        @Override
        public Rope rope(int rotaryDims, double theta, int seqLen) {
            double[] ext = seqLen > oldContext ? longFactor : shortFactor;
            if (ext.length != rotaryDims / 2) {
                throw new WiscaException(ErrorKind.INVALID_CONFIG, null, null, "longrope factors have " + ext.length
                    + " entries for " + rotaryDims / 2 + " rotary pairs");
            }
            double[] inv = new double[rotaryDims / 2];
            for (int i = 0; i < inv.length; i++) inv[i] = 1 / (ext[i] * Math.pow(theta, (2.0 * i) / rotaryDims));
            return new Rope(rotaryDims, inv, attentionFactor, n -> rope(rotaryDims, theta, n));
        }
    }

    private static double maxPositions(JsonNode s, JsonNode config) {
        if (config == null) {
            throw new WiscaException(ErrorKind.INVALID_CONFIG, null, null, "rope scaling '" + type(s) + "' needs config.json's max_position_embeddings");
        }
        return number(config, "max_position_embeddings");
    }

    private static double number(JsonNode s, String key) {
        JsonNode n = s == null ? null : s.get(key);
        if (n == null || !n.isNumber()) {
            throw new WiscaException(ErrorKind.INVALID_CONFIG, null, null, "rope scaling '" + type(s) + "' needs a number '" + key + "'");
        }
        return n.doubleValue();
    }

    private static double optional(JsonNode s, String key, double otherwise) {
        JsonNode n = s.get(key);
        return n != null && n.isNumber() ? n.doubleValue() : otherwise;
    }

    private static double[] numbers(JsonNode s, String key) {
        JsonNode n = s.get(key);
        if (n == null || !n.isArray()) {
            throw new WiscaException(ErrorKind.INVALID_CONFIG, null, null, "rope scaling '" + type(s) + "' needs a list '" + key + "'");
        }
        double[] out = new double[n.size()];
        for (int i = 0; i < out.length; i++) {
            if (!n.get(i).isNumber()) throw new WiscaException(ErrorKind.INVALID_CONFIG, null, null, "rope scaling '" + key + "' holds a non-number");
            out[i] = n.get(i).doubleValue();
        }
        return out;
    }
}
