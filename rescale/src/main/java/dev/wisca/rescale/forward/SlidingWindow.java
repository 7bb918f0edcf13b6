package dev.wisca.rescale.forward;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.spec.ForwardRules.SlidingRule;
import dev.wisca.rescale.spec.Dims;

import java.util.ArrayList;
import java.util.List;
import java.util.Collections;

/**
 * Sliding-window attention per layer, as transformers' masking_utils defines it: in a sliding layer,
 * position t attends to positions j with {@code t - size < j <= t} (the last {@code size} positions,
 * itself included); other layers attend to every position up to t.
 *
 * @param size    window length (0 when no layer slides)
 * @param sliding per layer, whether it uses the window
 */
public record SlidingWindow(int size, List<Boolean> sliding) {
    public SlidingWindow {
        sliding = List.copyOf(sliding);
    }

    /** No sliding layer. */
    public static SlidingWindow none(int layers) {
        return new SlidingWindow(0, Collections.nCopies(layers, false));
    }

    /** The window of {@code layer}: its size, or 0 when the layer attends to every earlier position. */
    public int window(int layer) { return size > 0 && sliding.get(layer) ? size : 0; }

    /** Whether any layer slides. */
    public boolean any() { return size > 0 && sliding.contains(true); }

    /** The first position layer {@code layer} lets position {@code t} attend to. */
    public int first(int layer, int t) {
        int w = window(layer);
        return w == 0 ? 0 : Math.max(0, t - w + 1);
    }

    /**
     * Which layers slide, from the family's rule and config.json: no window when the rule is absent,
     * the size is absent or null, or the rule's enabling flag is false; the layers from config.json's
     * {@code layer_types} where the family reads it, else from the rule's pattern.
     */
    static SlidingWindow resolve(SlidingRule rule, JsonNode config, int layers) {
        if (rule == null) return none(layers);
        if (rule.enabledBy() != null) {
            JsonNode flag = Dims.configValue(config, rule.enabledBy());
            if (flag == null || !flag.asBoolean(false)) return none(layers);
        }
        JsonNode size = first(config, rule.size().key());
        if (size == null || size.isNull()) return none(layers);
        if (!size.isIntegralNumber() || !size.canConvertToInt() || size.asInt() < 1) {
            throw invalid("sliding window '" + size + "' is not a positive integer");
        }
        JsonNode types = rule.layerTypes() ? Dims.configValue(config, "layer_types") : null;
        List<Boolean> sliding = new ArrayList<>();
        if (types != null && !types.isNull()) {
            if (!types.isArray() || types.size() != layers) throw invalid("layer_types must list one type for each of the " + layers + " layers");
            for (JsonNode t : types) {
                String type = t.asText();
                if (!type.equals("sliding_attention") && !type.equals("full_attention")) {
                    throw invalid("layer_types holds '" + type + "'; the reference forward pass knows sliding_attention and full_attention");
                }
                sliding.add(type.equals("sliding_attention"));
            }
            return new SlidingWindow(size.asInt(), sliding);
        }
        int maxWindowLayers = maxWindowLayers(rule, config);
        for (int i = 0; i < layers; i++) {
            sliding.add(switch (rule.layers()) {
                case "all" -> true;
                case "from_max_window_layers" -> i >= maxWindowLayers;
                case "even" -> i % 2 == 0;
                case "even_below_max_window_layers" -> i % 2 == 0 && i < maxWindowLayers;
                case "sliding_window_pattern" -> (i + 1) % pattern(config) != 0;
                default -> throw new WiscaException(ErrorKind.INVALID_SPEC, null, null, "sliding_window.layers '" + rule.layers()
                    + "' is not one of all, from_max_window_layers, even, even_below_max_window_layers, sliding_window_pattern");
            });
        }
        return new SlidingWindow(size.asInt(), sliding);
    }

    /** Gemma 3 before layer_types: every {@code sliding_window_pattern}-th layer (default 6) attends fully. */
    private static int pattern(JsonNode config) {
        JsonNode n = Dims.configValue(config, "sliding_window_pattern");
        if (n == null || n.isNull()) return 6;
        if (!n.canConvertToInt() || n.asInt() < 1) throw invalid("sliding_window_pattern '" + n + "' is not a positive integer");
        return n.asInt();
    }

    private static int maxWindowLayers(SlidingRule rule, JsonNode config) {
        if (rule.maxWindowLayers() == null) return 0;
        JsonNode n = first(config, rule.maxWindowLayers().key());
        if (n != null && !n.isNull()) {
            if (!n.canConvertToInt()) throw invalid("max_window_layers '" + n + "' is not an integer");
            return n.asInt();
        }
        if (rule.maxWindowLayers().otherwise() == null) throw invalid("config.json lacks max_window_layers");
        return rule.maxWindowLayers().otherwise().intValue();
    }

    private static JsonNode first(JsonNode config, List<String> keys) {
        for (String key : keys) {
            JsonNode n = Dims.configValue(config, key);
            if (n != null) return n;
        }
        return null;
    }

    private static WiscaException invalid(String what) {
        return new WiscaException(ErrorKind.INVALID_CONFIG, null, null, "config.json: " + what);
    }
}
