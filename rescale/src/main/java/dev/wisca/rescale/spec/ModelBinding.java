package dev.wisca.rescale.spec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.spec.SpecJson.RoleRule;
import dev.wisca.rescale.spec.SpecJson.Slice;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.Collections;

/**
 * An {@link ArchSpec} bound to one config.json and either a checkpoint's tensor list (every role
 * resolved to a present tensor of the declared shape) or, for the synthetic generator, the tensors
 * the spec would expect. Resolution happens once, eagerly, so a bad checkpoint fails here with the
 * tensor named.
 */
public final class ModelBinding {
    private final ArchSpec spec;
    private final Dims dims;
    private final Map<String, TensorInfo> present;
    private final Set<String> variants;
    private final int layers;
    private final int experts;
    private final Map<String, Optional<BoundRole>> resolved = new HashMap<>();
    private final LinkedHashMap<String, BoundTensor> tensorsByName = new LinkedHashMap<>();

    private ModelBinding(ArchSpec spec, JsonNode config, Map<String, TensorInfo> present, Set<String> variants) {
        this.spec = spec;
        this.dims = Dims.resolve(spec, config);
        this.present = present;
        this.variants = Set.copyOf(variants);
        this.layers = dims.count("layers");
        this.experts = dims.has("experts") ? dims.count("experts") : 0;
        for (String role : spec.roles()) {
            if (spec.isGlobal(role)) role(role, -1);
            else for (int l = 0; l < layers; l++) role(role, l);
        }
    }

    /**
     * Binds to a checkpoint: every role resolved and every tensor claimed (bound to a role or listed as
     * passthrough). Throws TENSOR_NOT_FOUND, INVALID_CONFIG or UNCLAIMED_TENSOR naming the tensor.
     */
    public static ModelBinding bind(ArchSpec spec, JsonNode config, List<TensorInfo> tensors) {
        Map<String, TensorInfo> byName = new HashMap<>();
        for (TensorInfo t : tensors) byName.put(t.name(), t);
        ModelBinding binding = new ModelBinding(spec, config, byName, Set.of());
        TensorClaims.requireAllClaimed(spec, binding.layers, tensors, binding.tensorsByName.keySet());
        return binding;
    }

    /** The tensors the spec expects for {@code config}, choosing alternatives tagged with {@code variants}. */
    public static ModelBinding synthetic(ArchSpec spec, JsonNode config, Set<String> variants) {
        return new ModelBinding(spec, config, null, variants);
    }

    public ArchSpec spec() { return spec; }

    public Dims dims() { return dims; }

    public int layers() { return layers; }

    /** Experts per MoE layer (dim {@code experts}), 0 for dense models. */
    public int experts() { return experts; }

    /** Rotary dims per head (0 without RoPE). */
    public int rotaryDims() { return dims.rotaryDims(); }

    /** Whether the input embedding and the output head share one tensor (dim {@code tied}). */
    public boolean tied() { return dims.has("tied") && dims.flag("tied"); }

    /** A role in a layer ({@code -1} for globals), empty when the config or checkpoint lacks it. */
    public Optional<BoundRole> role(String role, int layer) {
        String key = role + "@" + layer;
        Optional<BoundRole> hit = resolved.get(key);
        if (hit != null) return hit;
        if (spec.alternatives(role).isEmpty()) throw spec.invalid("no role '" + role + "'");
        Optional<BoundRole> r = resolve(role, spec.isGlobal(role) ? -1 : layer);
        resolved.put(key, r);
        r.ifPresent(b -> b.tensor().perExpertNames(experts).forEach(n -> tensorsByName.putIfAbsent(n, b.tensor())));
        return r;
    }

    /** The stored tensor name of a role in a layer for an expert (ignored unless per-expert). */
    public Optional<String> tensorName(String role, int layer, int expert) {
        return role(role, layer).map(b -> b.tensor().name(expert));
    }

    /** Whether {@code name} is a tensor the spec passes through (no role binds it), such as an encoder's task heads. */
    public boolean passedThrough(String name) { return !tensorsByName.containsKey(name) && TensorClaims.passedThrough(spec, layers, name); }

    /** Every tensor the spec accounts for, by stored name, in resolution order. */
    public Map<String, BoundTensor> tensors() { return Collections.unmodifiableMap(tensorsByName); }

    private Optional<BoundRole> resolve(String role, int layer) {
        List<String> tried = new ArrayList<>();
        boolean anyApplies = false;
        boolean optional = false;
        for (RoleRule alt : spec.alternatives(role)) {
            if (!dims.testAt(alt.when(), layer, "role '" + role + "' when")) continue;
            anyApplies = true;
            optional |= Boolean.TRUE.equals(alt.optional());
            if (alt.of() != null) {
                Optional<BoundRole> base = role(alt.of(), layer);
                if (base.isPresent()) return Optional.of(slice(role, alt, base.get(), layer));
                tried.add("slice of " + alt.of());
                continue;
            }
            for (String prefix : layer < 0 ? List.of("") : spec.prefixes()) {
                for (String alias : alt.name()) {
                    String template = prefix.replace("${layer}", Integer.toString(layer)) + alias;
                    if (exists(template, alt)) return Optional.of(whole(role, alt, template, layer));
                    tried.add(template);
                    if (present == null) break;
                }
                if (present == null) break;
            }
        }
        if (!anyApplies || optional) return Optional.empty();
        throw new WiscaException(ErrorKind.TENSOR_NOT_FOUND, null, tried.isEmpty() ? role : tried.get(0),
            "no tensor for role '" + role + "'" + (layer >= 0 ? " of layer " + layer : "") + " (tried " + String.join(", ", tried)
                + "); spec " + spec.name() + " from " + spec.source() + " does not match this checkpoint");
    }

    private boolean exists(String template, RoleRule alt) {
        if (present == null) return alt.variant() == null || variants.contains(alt.variant());
        return present.containsKey(template.replace("${expert}", "0").replace(BoundTensor.HEAD, "0"));
    }

    private BoundRole whole(String role, RoleRule alt, String template, int layer) {
        long[] shape = new long[alt.shape().size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = dims.evalCount(alt.shape().get(i), "shape of " + template);
        }
        boolean batched = Boolean.TRUE.equals(alt.batched());
        TensorKind kind = alt.kind() == null ? TensorKind.WEIGHT : TensorKind.parse(alt.kind()).orElseThrow();   // SpecChecks refused any other name
        int heads = alt.perHead() == null ? 0 : dims.count(alt.perHead());
        BoundTensor t = new BoundTensor(role, layer, template, shape, kind, "in_out".equals(alt.layout()), batched, heads);
        if (present != null) {
            for (String name : t.perExpertNames(experts)) checkShape(name, shape, alt);
        }
        return new BoundRole(role, t, IndexMap.whole(t.logicalRows()));
    }

    private void checkShape(String name, long[] declared, RoleRule alt) {
        TensorInfo info = present.get(name);
        if (info == null) {
            throw new WiscaException(ErrorKind.TENSOR_NOT_FOUND, null, name, "expected by spec " + spec.name() + " but absent");
        }
        if (!Arrays.equals(info.shape(), declared)) {
            throw new WiscaException(ErrorKind.INVALID_CONFIG, null, name, "stored shape " + Arrays.toString(info.shape())
                + " differs from " + Arrays.toString(declared) + " = " + alt.shape() + " declared by spec " + spec.name()
                + " (" + spec.source() + ") for this config.json; wrong config or wrong spec");
        }
    }

    private BoundRole slice(String role, RoleRule alt, BoundRole base, int layer) {
        if (base.isSlice()) throw spec.invalid("role '" + role + "' slices '" + alt.of() + "', which is itself a slice");
        Slice s = alt.rows();
        String what = "slice '" + role + "' of " + base.tensor().template();
        long size = dims.evalCount(s.size(), what + " size");
        long start = s.start() == null ? 0 : dims.evalCount(s.start(), what + " start");
        long block = s.block() == null ? Math.max(size, 1) : dims.evalCount(s.block(), what + " block");
        long stride = s.stride() == null ? block : dims.evalCount(s.stride(), what + " stride");
        IndexMap rows;
        try {
            rows = new IndexMap(start, size, block, stride);
        } catch (IllegalArgumentException e) {
            throw new WiscaException(ErrorKind.INVALID_CONFIG, null, base.tensor().template(), what + ": " + e.getMessage());
        }
        if (rows.extent() > base.tensor().logicalRows()) {
            throw new WiscaException(ErrorKind.INVALID_CONFIG, null, base.tensor().template(), what + " reaches row "
                + rows.extent() + " of " + base.tensor().logicalRows() + " (spec " + spec.name() + ")");
        }
        return new BoundRole(role, base.tensor(), rows);
    }
}
