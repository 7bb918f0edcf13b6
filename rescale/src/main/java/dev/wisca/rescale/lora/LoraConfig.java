package dev.wisca.rescale.lora;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The parts of adapter_config.json that matter for rescaling, read through the spec's keys.
 * Per-module rank and alpha follow PEFT: a {@code rank_pattern}/{@code alpha_pattern} key matches a
 * module whose name ends with it (as regex {@code (.*\.)?key$}).
 */
public record LoraConfig(int rank, double alpha, boolean rslora, boolean dora, List<String> targets,
                         Map<String, Integer> rankPattern, Map<String, Double> alphaPattern) {
    /** The PEFT key naming the adapter method, the same for every method. */
    private static final String PEFT_TYPE = "peft_type";

    public static LoraConfig read(LoraSpec spec, JsonNode config) {
        checkPeftType(spec, config);
        LoraSpecJson.ConfigKeys k = spec.json().config();
        JsonNode r = config.get(k.rank());
        if (r == null || !r.canConvertToInt() || r.asInt() <= 0) {
            throw new WiscaException(ErrorKind.INVALID_CONFIG, null, null, "adapter_config.json needs a positive integer '" + k.rank() + "'");
        }
        JsonNode alpha = config.get(k.alpha());
        double a = alpha == null || !alpha.isNumber() ? r.asInt() : alpha.asDouble();
        List<String> targets = new ArrayList<>();
        JsonNode t = k.targets() == null ? null : config.get(k.targets());
        if (t != null && t.isArray()) t.forEach(x -> targets.add(x.asText()));
        else if (t != null && t.isTextual()) targets.add(t.asText());
        Map<String, Integer> ranks = new LinkedHashMap<>();
        Map<String, Double> alphas = new LinkedHashMap<>();
        if (k.rankPattern() != null) config.path(k.rankPattern()).properties().forEach(e -> ranks.put(e.getKey(), e.getValue().asInt()));
        if (k.alphaPattern() != null) config.path(k.alphaPattern()).properties().forEach(e -> alphas.put(e.getKey(), e.getValue().asDouble()));
        return new LoraConfig(r.asInt(), a, flag(config, k.rslora()), flag(config, k.dora()), List.copyOf(targets), ranks, alphas);
    }

    /**
     * PEFT names its method in {@code peft_type}; IA3, LoHa, prefix tuning... have other tensors and
     * other math, so anything but the spec's (LORA) is refused rather than read as LoRA.
     */
    private static void checkPeftType(LoraSpec spec, JsonNode config) {
        JsonNode type = config.get(PEFT_TYPE);
        if (type != null && !(type.isTextual() && type.asText().equals(spec.json().peftType()))) {
            throw new WiscaException(ErrorKind.UNKNOWN_ARCHITECTURE, null, null, "adapter_config.json has peft_type "
                + type + "; wisca rescales " + spec.json().peftType() + " adapters only");
        }
    }

    private static boolean flag(JsonNode config, String key) {
        return key != null && config.path(key).asBoolean(false);
    }

    /** The rank PEFT gives {@code module}. */
    public int rankOf(String module) {
        for (Map.Entry<String, Integer> e : rankPattern.entrySet()) if (matches(module, e.getKey())) return e.getValue();
        return rank;
    }

    public double alphaOf(String module) {
        for (Map.Entry<String, Double> e : alphaPattern.entrySet()) if (matches(module, e.getKey())) return e.getValue();
        return alpha;
    }

    /** The factor PEFT multiplies BA by: alpha/r, or alpha/sqrt(r) with rsLoRA. */
    public double scaling(String module) {
        int r = rankOf(module);
        return alphaOf(module) / (rslora ? Math.sqrt(r) : r);
    }

    private static boolean matches(String module, String key) {
        return Pattern.compile("(.*\\.)?" + key + "$").matcher(module).matches();
    }
}
