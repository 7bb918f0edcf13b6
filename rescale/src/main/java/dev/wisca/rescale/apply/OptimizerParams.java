package dev.wisca.rescale.apply;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.io.torch.OptimizerStateDict;
import dev.wisca.io.torch.StoredTensor;
import dev.wisca.rescale.plan.TensorFactors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Which parameter each optimizer state index belongs to. With {@code param_names} in every group
 * (torch optimizers built from named parameters; wisca's WiscaCallback adds them), the names say it.
 * Without them the index order is the order of {@code model.named_parameters()} within each group,
 * which a checkpoint does not record (its tensors are stored sorted by name): an index is then mapped
 * by its moments' shape, and only where every checkpoint tensor of that shape gets the same factors
 * (so that any choice transforms it the same way); anything else is refused, never guessed.
 */
public final class OptimizerParams {
    private OptimizerParams() {}

    /**
     * @param state   the optimizer's state dict
     * @param shapes  every tensor of the checkpoint, by name
     * @param factors the plan's factors by tensor name (absent: untouched)
     * @param path    the optimizer state file, for errors
     * @return per state index, the parameter whose factors its moments follow (a representative of
     *         equally scaled same-shape tensors when the state dict carries no names)
     */
    public static Map<Long, String> resolve(OptimizerStateDict state, Map<String, long[]> shapes, Map<String, TensorFactors> factors, Path path) {
        return state.named() ? byName(state, shapes, path) : byShape(state, shapes, factors, path);
    }

    private static Map<Long, String> byName(OptimizerStateDict state, Map<String, long[]> shapes, Path path) {
        Map<Long, String> out = new LinkedHashMap<>();
        for (OptimizerStateDict.Group g : state.groups()) {
            List<String> names = g.names().orElseThrow();
            for (int i = 0; i < g.params().size(); i++) {
                String name = names.get(i);
                if (!shapes.containsKey(name)) {
                    throw bad(path, "param_names names '" + name + "', which the checkpoint's weights do not hold (a wrapper's prefix?); refusing to guess its moments");
                }
                if (out.put(g.params().get(i), name) != null) throw bad(path, "parameter index " + g.params().get(i) + " is in two param groups");
            }
        }
        for (Long index : state.state().keySet()) {
            if (!out.containsKey(index)) throw bad(path, "state entry " + index + " belongs to no param group");
        }
        return out;
    }

    private static Map<Long, String> byShape(OptimizerStateDict state, Map<String, long[]> shapes, Map<String, TensorFactors> factors, Path path) {
        Map<List<Long>, List<String>> byShape = new HashMap<>();
        shapes.forEach((name, shape) -> byShape.computeIfAbsent(key(shape), k -> new ArrayList<>()).add(name));
        Map<List<Long>, Integer> used = new HashMap<>();
        Map<Long, String> out = new LinkedHashMap<>();
        for (var e : state.state().entrySet()) {
            long[] shape = momentShape(e.getValue());
            if (shape == null) continue;   // no moments (e.g. only a step count): nothing to transform
            List<String> candidates = byShape.getOrDefault(key(shape), List.of());
            if (candidates.isEmpty()) {
                throw bad(path, "state entry " + e.getKey() + " has moments of shape " + Arrays.toString(shape) + ", which no tensor of the checkpoint has");
            }
            if (used.merge(key(shape), 1, Integer::sum) > candidates.size()) {
                throw bad(path, "more state entries of shape " + Arrays.toString(shape) + " than checkpoint tensors of that shape");
            }
            String first = candidates.getFirst();
            for (String other : candidates) {
                if (!sameFactors(factors.get(first), factors.get(other))) {
                    throw bad(path, "it has no param_names, and state entry " + e.getKey() + " (shape " + Arrays.toString(shape)
                        + ") could be " + first + " or " + other + ", which this plan scales differently; add the names with Python's"
                        + " wisca.hf.name_optimizer_state(path, model), or train with wisca.hf.WiscaCallback (it records them)");
                }
            }
            out.put(e.getKey(), first);
        }
        return out;
    }

    /** The shape of the entry's first non-scalar tensor field (Adam's moments), or null. */
    private static long[] momentShape(Map<String, Object> fields) {
        for (Object v : fields.values()) {
            if (v instanceof StoredTensor t && t.shape().length > 0) return t.shape();
        }
        return null;
    }

    private static boolean sameFactors(TensorFactors a, TensorFactors b) {
        boolean identityA = a == null || a.isIdentity();
        boolean identityB = b == null || b.isIdentity();
        if (identityA || identityB) return identityA == identityB;
        return Arrays.equals(a.rows(), b.rows()) && Arrays.equals(a.cols(), b.cols());
    }

    private static List<Long> key(long[] shape) { return Arrays.stream(shape).boxed().toList(); }

    static WiscaException bad(Path path, String detail) {
        return WiscaException.of(ErrorKind.INVALID_OPTIMIZER_STATE, Objects.requireNonNull(path), detail);
    }
}
