package dev.wisca.rescale.forward;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.spec.Dims;
import dev.wisca.rescale.spec.ForwardRules.TemperatureRule;

import java.util.ArrayList;
import java.util.List;

/**
 * Layers without RoPE (Llama 4's NoPE layers, config.json's {@code no_rope_layers}: 1 where a layer
 * rotates, 0 where it does not) and the attention temperature tuning transformers applies in them:
 * q at position t is multiplied by {@code log1p(floor((t + 1) / floorScale)) · attnScale + 1}
 * (a scalar per position, the same for every head).
 *
 * @param rotates    per layer, whether it applies RoPE
 * @param tuned      whether the layers without RoPE tune the temperature
 * @param floorScale floor_scale (positions per step of the logarithm)
 * @param attnScale  attn_scale (strength)
 */
public record NoRopeLayers(List<Boolean> rotates, boolean tuned, double floorScale, double attnScale) {
    public NoRopeLayers {
        rotates = List.copyOf(rotates);
    }

    /** Whether {@code layer} applies RoPE. */
    public boolean rotates(int layer) { return rotates.get(layer); }

    /** The factor on q at {@code position} in {@code layer}: 1 in a RoPE layer or without tuning. */
    public double queryFactor(int layer, long position) {
        if (rotates(layer) || !tuned) return 1;
        return Math.log1p(Math.floor((position + 1.0) / floorScale)) * attnScale + 1.0;
    }

    /** Whether {@code layer} of the model rotates q and k (it has RoPE, and no list says otherwise). */
    public static boolean rotates(ForwardConfig c, int layer) {
        return c.rope() != null && (c.noRope() == null || c.noRope().rotates(layer));
    }

    /**
     * From the config key holding the per-layer list ({@code listKey}, null: every layer rotates). The list
     * must cover every layer (transformers indexes it by layer; config.json as transformers writes it always
     * holds it); entries are numbers or booleans.
     */
    static NoRopeLayers resolve(String listKey, TemperatureRule temperature, JsonNode config, int layers) {
        if (listKey == null) return null;
        JsonNode list = Dims.configValue(config, listKey);
        if (list == null || !list.isArray() || list.size() < layers) {
            throw invalid("'" + listKey + "' must list, for each of the " + layers + " layers, 1 (RoPE) or 0 (no RoPE)"
                + (list == null || list.isEmpty() ? "; it is absent or empty (transformers then derives it from no_rope_layer_interval, which the reference forward pass does not)" : ""));
        }
        List<Boolean> rotates = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            JsonNode n = list.get(l);
            if (!n.isNumber() && !n.isBoolean()) throw invalid("'" + listKey + "' entry " + l + " is " + n + ", not 0 or 1");
            rotates.add(n.isBoolean() ? n.booleanValue() : n.doubleValue() != 0);
        }
        if (temperature == null || ForwardConfigs.number(config, temperature.enabled(), "attention temperature tuning flag") == 0) {
            return new NoRopeLayers(rotates, false, 1, 0);
        }
        double floor = ForwardConfigs.number(config, temperature.floorScale(), "floor_scale");
        if (!(floor > 0)) throw invalid("floor_scale " + floor + " is not positive");
        return new NoRopeLayers(rotates, true, floor, ForwardConfigs.number(config, temperature.attnScale(), "attn_scale"));
    }

    private static WiscaException invalid(String what) {
        return new WiscaException(ErrorKind.INVALID_CONFIG, null, null, "config.json: " + what);
    }
}
