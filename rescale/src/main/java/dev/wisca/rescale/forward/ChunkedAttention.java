package dev.wisca.rescale.forward;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.spec.Dims;
import dev.wisca.rescale.spec.ForwardRules.ChunkedRule;

import java.util.ArrayList;
import java.util.List;

/**
 * Chunked attention as transformers' masking_utils defines it (Llama 4): in a chunked layer position t
 * attends to the positions j ≤ t of its own chunk, {@code j / size == t / size}; other layers attend to
 * every position up to t. Which layers chunk is config.json's {@code layer_types}
 * ({@code chunked_attention} / {@code full_attention}), by default the layers that apply RoPE (as
 * transformers' Llama4TextConfig derives it).
 *
 * @param size    the chunk length
 * @param chunked per layer, whether it attends within chunks
 */
public record ChunkedAttention(int size, List<Boolean> chunked) {
    public ChunkedAttention {
        chunked = List.copyOf(chunked);
    }

    /** The first position {@code layer} lets position {@code t} attend to (0 without chunking). */
    static int first(ForwardConfig c, int layer, int t) {
        return c.chunks() != null && c.chunks().chunked().get(layer) ? t - t % c.chunks().size() : 0;
    }

    /** Whether {@code layer} of the model attends within chunks. */
    public static boolean chunked(ForwardConfig c, int layer) {
        return c.chunks() != null && c.chunks().chunked().get(layer);
    }

    static ChunkedAttention resolve(ChunkedRule rule, JsonNode config, int layers, NoRopeLayers noRope) {
        if (rule == null) return null;
        double size = ForwardConfigs.optionalNumber(config, rule.size());
        if (!(size >= 1) || size != Math.rint(size) || size > Integer.MAX_VALUE) {
            throw invalid("attention_chunk_size " + (Double.isNaN(size) ? "is absent or null" : size + " is not a positive integer")
                + " (transformers builds the chunked mask from it)");
        }
        JsonNode types = Dims.configValue(config, "layer_types");
        List<Boolean> chunked = new ArrayList<>();
        if (types == null) {
            for (int l = 0; l < layers; l++) chunked.add(noRope == null || noRope.rotates(l));
            return new ChunkedAttention((int) size, chunked);
        }
        if (!types.isArray() || types.size() != layers) throw invalid("layer_types must list one type for each of the " + layers + " layers");
        for (JsonNode t : types) {
            String type = t.asText();
            if (!type.equals("chunked_attention") && !type.equals("full_attention")) {
                throw invalid("layer_types holds '" + type + "'; the reference forward pass knows chunked_attention and full_attention here");
            }
            chunked.add(type.equals("chunked_attention"));
        }
        return new ChunkedAttention((int) size, chunked);
    }

    private static WiscaException invalid(String what) {
        return new WiscaException(ErrorKind.INVALID_CONFIG, null, null, "config.json: " + what);
    }
}
