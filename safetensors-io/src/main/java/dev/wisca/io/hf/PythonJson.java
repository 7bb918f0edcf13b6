package dev.wisca.io.hf;

import dev.wisca.io.CodePointOrder;
import dev.wisca.io.JsonStrings;
import java.util.Map;
import java.util.TreeMap;

/**
 * JSON text as Python's {@code json.dumps(obj, indent=2, sort_keys=True)} writes it (the way
 * transformers writes {@code model.safetensors.index.json}): keys sorted by code point, ", " and
 * ": " separators, non-ASCII escaped as {@code \\uXXXX}. Values are nested maps, strings or longs.
 */
final class PythonJson {
    private PythonJson() {}

    static String dumps(Map<String, ?> object) {
        StringBuilder out = new StringBuilder();
        value(out, object, 0);
        return out.toString();
    }

    private static void value(StringBuilder out, Object value, int depth) {
        switch (value) {
            case Map<?, ?> map -> object(out, map, depth);
            case String s -> JsonStrings.appendAscii(out, s);
            case Long n -> out.append(n.longValue());
            case Integer n -> out.append(n.intValue());
            default -> throw new IllegalArgumentException("unsupported JSON value " + value.getClass());
        }
    }

    private static void object(StringBuilder out, Map<?, ?> map, int depth) {
        if (map.isEmpty()) {
            out.append("{}");
            return;
        }
        Map<String, Object> sorted = new TreeMap<>(CodePointOrder.COMPARATOR);
        map.forEach((k, v) -> sorted.put((String) k, v));
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, Object> e : sorted.entrySet()) {
            out.append(first ? "\n" : ",\n").repeat(' ', 2 * (depth + 1));
            JsonStrings.appendAscii(out, e.getKey());
            out.append(": ");
            value(out, e.getValue(), depth + 1);
            first = false;
        }
        out.append('\n').repeat(' ', 2 * depth).append('}');
    }
}
