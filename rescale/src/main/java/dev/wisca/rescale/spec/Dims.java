package dev.wisca.rescale.spec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.spec.SpecJson.DimRule;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * A spec's dims evaluated against one config.json. Names in expressions resolve to dims first,
 * then to config keys (dotted paths reach into objects such as {@code rope_parameters}); JSON
 * booleans are 1 and 0, JSON null counts as absent.
 */
public final class Dims {
    private final ArchSpec spec;
    private final JsonNode config;
    private final LinkedHashMap<String, Double> values = new LinkedHashMap<>();
    private final int rotaryDims;

    private Dims(ArchSpec spec, JsonNode config) {
        this.spec = spec;
        this.config = config;
        spec.json().dims().forEach((name, rule) -> values.put(name, rule(rule, "dim '" + name + "'")));
        this.rotaryDims = spec.json().rope() == null ? 0 : rotary();
    }

    /** Evaluates every dim of {@code spec}; a missing config key or a non-number throws INVALID_CONFIG. */
    public static Dims resolve(ArchSpec spec, JsonNode config) {
        return new Dims(spec, config);
    }

    public double value(String dim) {
        Double v = values.get(dim);
        if (v == null) throw spec.invalid("no dim '" + dim + "' in spec " + spec.name());
        return v;
    }

    public boolean has(String dim) { return values.containsKey(dim); }

    /** A dim that must be a non-negative whole number. */
    public int count(String dim) { return toCount(value(dim), "dim '" + dim + "'"); }

    public boolean flag(String dim) { return value(dim) != 0; }

    /** Rotary dims per head (even), 0 without RoPE. */
    public int rotaryDims() { return rotaryDims; }

    public Map<String, Double> asMap() { return Collections.unmodifiableMap(values); }

    public JsonNode config() { return config; }

    /** Evaluates an expression of the spec. */
    public double eval(String expression, String what) {
        try {
            return spec.expr(expression).eval(new Lookup(null));
        } catch (ArithmeticException e) {
            throw configError(what + " = " + expression + ": " + e.getMessage());
        }
    }

    /** Evaluates an expression that must give a non-negative whole number. */
    public long evalCount(String expression, String what) {
        return toCount(eval(expression, what), what + " = " + expression);
    }

    public boolean test(String condition, String what) {
        return condition == null || eval(condition, what) != 0;
    }

    /** The name a per-layer condition ({@code when} of a layer role or site) reads the layer index under. */
    public static final String LAYER = "layer";

    /**
     * A condition that may also read {@value #LAYER}, the index of the layer it is tested for (−1 for
     * globals): DeepSeek's first dense layers ({@code layer < first_k_dense_replace}) bind other roles and sites.
     */
    public boolean testAt(String condition, int layer, String what) {
        if (condition == null) return true;
        try {
            return spec.expr(condition).eval(new Lookup(layer)) != 0;
        } catch (ArithmeticException e) {
            throw configError(what + " = " + condition + ": " + e.getMessage());
        }
    }

    private int toCount(double v, String what) {
        if (!(v >= 0) || v != Math.rint(v) || v > Integer.MAX_VALUE) {
            throw configError(what + " is " + v + ", expected a whole number >= 0 (check config.json)");
        }
        return (int) v;
    }

    private int rotary() {
        int hd = count(Roles.DIM_HEAD_DIM);
        double fraction = rule(spec.json().rope().fraction(), "rope.fraction");
        double exact = hd * fraction;
        int rot = (int) Math.floor(exact + 1e-9);
        if (fraction < 0 || fraction > 1) throw configError("rotary fraction " + fraction + " is outside [0, 1]");
        if (rot % 2 != 0) throw configError("rotary dims " + rot + " (head_dim " + hd + " × " + fraction + ") is odd");
        return rot;
    }

    private double rule(DimRule rule, String what) {
        for (String key : rule.key()) {
            JsonNode node = node(key);
            if (node != null) return number(node, key);
        }
        if (rule.otherwise() == null) {
            throw configError("config.json lacks " + String.join(" / ", rule.key()) + " (needed for " + what + ")");
        }
        return eval(rule.otherwise(), what);
    }

    /** Names of one evaluation: {@value #LAYER} when {@code layer} is not null, dims, config keys and config lists. */
    private final class Lookup implements ToDoubleFunction<String>, Expr.Lists {
        private final Integer layer;

        Lookup(Integer layer) { this.layer = layer; }

        @Override
        public double applyAsDouble(String name) {
            return layer != null && name.equals(LAYER) ? layer : lookup(name);
        }

        @Override
        public double[] list(String name) {
            JsonNode node = node(name);
            if (node == null) throw configError("config.json lacks '" + name + "' (used by spec " + spec.name() + ")");
            return numbers(node, name);
        }

        @Override
        public double[] listOrEmpty(String name) {
            JsonNode node = node(name);
            return node == null ? new double[0] : numbers(node, name);
        }

        private double[] numbers(JsonNode node, String name) {
            if (!node.isArray()) throw configError("config.json key '" + name + "' is " + node.getNodeType().name().toLowerCase() + ", expected a list");
            double[] values = new double[node.size()];
            for (int i = 0; i < values.length; i++) values[i] = number(node.get(i), name + "[" + i + "]");
            return values;
        }
    }

    private double lookup(String name) {
        Double dim = values.get(name);
        if (dim != null) return dim;
        JsonNode node = node(name);
        if (node == null) throw configError("config.json lacks '" + name + "' (used by spec " + spec.name() + ")");
        return number(node, name);
    }

    private JsonNode node(String dottedKey) { return configValue(config, dottedKey); }

    /** The value of a config key (a dotted path reaches into objects), null when absent or JSON null. */
    public static JsonNode configValue(JsonNode config, String dottedKey) {
        JsonNode n = config;
        for (String part : dottedKey.split("\\.")) {
            if (n == null || !n.isObject()) return null;
            n = n.get(part);
        }
        return n == null || n.isNull() ? null : n;
    }

    private double number(JsonNode node, String key) {
        if (node.isNumber()) return node.doubleValue();
        if (node.isBoolean()) return node.booleanValue() ? 1 : 0;
        throw configError("config.json key '" + key + "' is " + node.getNodeType().name().toLowerCase() + ", expected a number or boolean");
    }

    private WiscaException configError(String detail) {
        return new WiscaException(ErrorKind.INVALID_CONFIG, null, null, detail + " [spec " + spec.name() + "]");
    }
}
