package dev.wisca.io.torch;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.Collections;

/**
 * A torch optimizer's {@code state_dict()}: {@code state} maps a parameter index to its fields
 * ({@code step}, {@code exp_avg}, ...), {@code param_groups} lists the indices of each group in order,
 * with the parameters' names when the optimizer was given them ({@code param_names}).
 *
 * @param groups the parameter groups, in order
 * @param state  per parameter index, its fields (tensors as {@link StoredTensor}, other values as unpickled)
 */
public record OptimizerStateDict(List<Group> groups, Map<Long, Map<String, Object>> state) {
    /**
     * @param params the parameter indices of this group
     * @param names  their names, one per index, when the group carries {@code param_names}
     */
    public record Group(List<Long> params, Optional<List<String>> names) {}

    /** Reads the unpickled {@code root}; refuses anything that is not an optimizer state dict. */
    public static OptimizerStateDict of(Object root, Path path) {
        if (!(root instanceof Map<?, ?> top) || !(top.get("state") instanceof Map<?, ?> state)
            || !(top.get("param_groups") instanceof List<?> groups)) {
            throw bad(path, "not an optimizer state dict (no 'state' and 'param_groups')");
        }
        List<Group> parsed = new ArrayList<>();
        for (Object g : groups) {
            if (!(g instanceof Map<?, ?> group) || !(group.get("params") instanceof List<?> params)) {
                throw bad(path, "a param group without 'params'");
            }
            List<Long> indices = new ArrayList<>();
            for (Object p : params) indices.add(index(p, path));
            Optional<List<String>> names = Optional.empty();
            if (group.get("param_names") instanceof List<?> list) {
                List<String> n = new ArrayList<>();
                for (Object o : list) {
                    if (!(o instanceof String s)) throw bad(path, "param_names holds a non-string");
                    n.add(s);
                }
                if (n.size() != indices.size()) throw bad(path, "a param group has " + indices.size() + " params but " + n.size() + " param_names");
                names = Optional.of(List.copyOf(n));
            } else if (group.containsKey("param_names")) {
                throw bad(path, "param_names is not a list");
            }
            parsed.add(new Group(List.copyOf(indices), names));
        }
        Map<Long, Map<String, Object>> entries = new TreeMap<>();
        for (Map.Entry<?, ?> e : state.entrySet()) {
            if (!(e.getValue() instanceof Map<?, ?> fields)) throw bad(path, "state entry " + e.getKey() + " is not a dict");
            Map<String, Object> f = new LinkedHashMap<>();
            for (Map.Entry<?, ?> field : fields.entrySet()) {
                if (!(field.getKey() instanceof String key)) throw bad(path, "state entry " + e.getKey() + " has a non-string field");
                f.put(key, field.getValue());
            }
            entries.put(index(e.getKey(), path), Collections.unmodifiableMap(f));
        }
        return new OptimizerStateDict(List.copyOf(parsed), Collections.unmodifiableMap(entries));
    }

    /** Whether every group names its parameters. */
    public boolean named() {
        return !groups.isEmpty() && groups.stream().allMatch(g -> g.names().isPresent());
    }

    private static long index(Object o, Path path) {
        try {
            return TorchPickle.integer(o);
        } catch (RuntimeException e) {
            throw bad(path, "a parameter index that is not an int");
        }
    }

    private static WiscaException bad(Path path, String detail) {
        return WiscaException.of(ErrorKind.INVALID_OPTIMIZER_STATE, path, detail);
    }
}
