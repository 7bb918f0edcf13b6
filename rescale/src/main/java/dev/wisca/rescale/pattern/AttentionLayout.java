package dev.wisca.rescale.pattern;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.spec.BoundRole;
import dev.wisca.rescale.spec.BoundTensor;
import dev.wisca.rescale.spec.IndexMap;
import dev.wisca.rescale.spec.ModelBinding;
import dev.wisca.rescale.spec.Roles;
import dev.wisca.rescale.spec.SpecJson.SiteRule;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Locale;

/**
 * The attention projections of every layer, found through the role vocabulary the built-in specs
 * share ({@link Roles}: roles {@code q}, {@code k}, {@code v}, {@code o}; dims {@code heads},
 * {@code kv_heads}, {@code head_dim}) — names, fused slices and Conv1D layouts stay in the spec. A
 * spec using other role names gets tensor statistics only, and a note says so.
 */
final class AttentionLayout {
    /** One layer's projections; absent ones are empty with a note. */
    record Layer(int layer, Optional<Projection> q, Optional<Projection> k, Optional<Projection> v,
                 Optional<Projection> o, List<String> notes) {}

    record Model(int heads, int kvHeads, int headDim, List<Layer> layers, List<String> notes) {}

    private AttentionLayout() {}

    static Model of(ModelBinding binding) {
        List<String> notes = new ArrayList<>(skippedPairs(binding));
        var dims = binding.dims();
        if (!dims.has(Roles.DIM_HEADS) || !dims.has(Roles.DIM_KV_HEADS) || !dims.has(Roles.DIM_HEAD_DIM)) {
            notes.add("spec " + binding.spec().name() + " declares no heads/kv_heads/head_dim dims: no per-head statistics");
            return new Model(0, 0, 0, List.of(), notes);
        }
        if (!binding.spec().roles().containsAll(List.of(Roles.Q, Roles.K, Roles.V, Roles.O))) {
            notes.add("spec " + binding.spec().name() + " has no q/k/v/o roles: no per-head statistics");
            return new Model(0, 0, 0, List.of(), notes);
        }
        int heads = dims.count(Roles.DIM_HEADS);
        int kvHeads = dims.count(Roles.DIM_KV_HEADS);
        int headDim = dims.count(Roles.DIM_HEAD_DIM);
        if (headDim == 0 || kvHeads == 0 || heads % kvHeads != 0) {
            throw new WiscaException(ErrorKind.INVALID_CONFIG, null, null, heads + " heads do not split into " + kvHeads
                + " KV groups of head_dim " + headDim + " [spec " + binding.spec().name() + "]");
        }
        List<Layer> layers = new ArrayList<>();
        for (int l = 0; l < binding.layers(); l++) {
            List<String> layerNotes = new ArrayList<>();
            layers.add(new Layer(l,
                projection(binding, Roles.Q, l, false, (long) heads * headDim, layerNotes),
                projection(binding, Roles.K, l, false, (long) kvHeads * headDim, layerNotes),
                projection(binding, Roles.V, l, false, (long) kvHeads * headDim, layerNotes),
                projection(binding, Roles.O, l, true, (long) heads * headDim, layerNotes),
                layerNotes));
        }
        return new Model(heads, kvHeads, headDim, layers, notes);
    }

    /** Q/K or V/O site rules the spec marks as never applied here, with their reasons. */
    private static List<String> skippedPairs(ModelBinding binding) {
        List<String> out = new ArrayList<>();
        for (SiteRule rule : binding.spec().sites()) {
            if (!List.of("qk", "vo").contains(rule.pair()) || rule.skip() == null) continue;
            if (binding.dims().test(rule.when(), "site " + rule.id() + " when")) {
                out.add(rule.pair().toUpperCase(Locale.ROOT) + " is not balanced for " + binding.spec().name() + ": " + rule.skip());
            }
        }
        return out;
    }

    private static Optional<Projection> projection(ModelBinding binding, String role, int layer, boolean columns,
                                                   long expected, List<String> notes) {
        Optional<BoundRole> bound = binding.role(role, layer);
        if (bound.isEmpty()) {
            notes.add("role '" + role + "' is absent in layer " + layer);
            return Optional.empty();
        }
        BoundTensor t = bound.get().tensor();
        if (t.matrixRank() != 2 || t.batched() || t.perExpert()) {
            notes.add("role '" + role + "' is not a plain matrix (" + t + ")");
            return Optional.empty();
        }
        IndexMap map = columns ? IndexMap.whole(t.logicalCols()) : bound.get().rows();
        if (map.size() != expected) {
            throw new WiscaException(ErrorKind.INVALID_CONFIG, null, t.name(0), "role '" + role + "' has " + map.size()
                + (columns ? " columns" : " rows") + ", expected " + expected + " from heads × head_dim [spec " + binding.spec().name() + "]");
        }
        // Conv1D stores [in, out]: logical rows are stored columns and the other way round.
        boolean storedRows = columns == t.inOut();
        return Optional.of(new Projection(t.name(0), storedRows, map));
    }
}
