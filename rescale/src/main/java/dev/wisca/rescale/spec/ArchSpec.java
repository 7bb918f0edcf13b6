package dev.wisca.rescale.spec;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.spec.SpecJson.Example;
import dev.wisca.rescale.spec.SpecJson.RoleRule;
import dev.wisca.rescale.spec.SpecJson.SiteRule;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A validated architecture spec: the family's names, dims, layouts and site templates, with every
 * expression compiled. Bind it to a config and a checkpoint with {@link ModelBinding}.
 */
public final class ArchSpec {
    private final SpecJson json;
    private final Path source;
    private final NormKind norm;
    private final MlpKind mlp;
    private final RopePairing pairing;
    private final Map<String, Expr> compiled;
    private final Map<String, List<RoleRule>> roles;

    private ArchSpec(SpecJson json, Path source, Map<String, Expr> compiled) {
        this.json = json;
        this.source = source;
        this.compiled = Map.copyOf(compiled);
        this.norm = NormKind.parse(json.norm());
        this.mlp = MlpKind.parse(json.mlp());
        this.pairing = json.rope() == null ? null : RopePairing.parse(json.rope().pairing());
        LinkedHashMap<String, List<RoleRule>> all = new LinkedHashMap<>(json.globals());
        all.putAll(json.tensors());
        this.roles = all;
    }

    /** Validates {@code json} (read from {@code source}); throws INVALID_SPEC naming the file and key. */
    public static ArchSpec of(SpecJson json, Path source) {
        Map<String, Expr> compiled = new HashMap<>();
        new SpecChecks(json, source, compiled).run();
        return new ArchSpec(json, source, compiled);
    }

    /** The spec's name: its model_type. */
    public String name() { return json.modelType(); }

    public String modelType() { return json.modelType(); }

    public List<String> architectures() { return json.architectures(); }

    public String description() { return json.description() == null ? "" : json.description(); }

    /** Where the spec was read from (a resource path for built-ins). */
    public Path source() { return source; }

    public NormKind normKind() { return norm; }

    public MlpKind mlpKind() { return mlp; }

    /** Rotary pairing, empty for models without RoPE. */
    public Optional<RopePairing> ropePairing() { return Optional.ofNullable(pairing); }

    /** Per-layer name prefix alternatives, with {@code ${layer}}. */
    public List<String> prefixes() { return json.prefix(); }

    /** Every role name, globals first, in declaration order. */
    public Set<String> roles() { return roles.keySet(); }

    public boolean isGlobal(String role) { return json.globals().containsKey(role); }

    /** The alternatives of a role, in preference order; empty for an unknown role. */
    public List<RoleRule> alternatives(String role) { return roles.getOrDefault(role, List.of()); }

    public List<SiteRule> sites() { return json.sites(); }

    /** The forward-pass facts, empty when the spec has no {@code forward} section (then nothing can verify it). */
    public Optional<ForwardRules> forward() { return Optional.ofNullable(json.forward()); }

    public Map<String, Example> examples() { return json.examples(); }

    /** Declared dim names, in evaluation order. */
    public Set<String> dimNames() { return json.dims().keySet(); }

    public SpecJson json() { return json; }

    /** The compiled form of an expression that appears in this spec. */
    Expr expr(String text) {
        Expr e = compiled.get(text);
        if (e == null) throw new IllegalStateException("expression not compiled: " + text);
        return e;
    }

    WiscaException invalid(String detail) {
        return new WiscaException(ErrorKind.INVALID_SPEC, source, null, detail);
    }

    @Override
    public String toString() { return "ArchSpec[" + name() + " from " + source + "]"; }
}
