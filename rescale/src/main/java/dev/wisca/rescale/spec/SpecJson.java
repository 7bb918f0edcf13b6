package dev.wisca.rescale.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.List;

/**
 * The on-disk form of an architecture spec, bound by Jackson with unknown properties rejected.
 * {@link ArchSpec} validates it and compiles its expressions. Lists also accept a single value.
 *
 * @param modelType     config.json {@code model_type} this spec serves
 * @param architectures config.json {@code architectures} entries this spec serves
 * @param norm          {@code rms}, {@code rms_offset} (gain 1 + w) or {@code layernorm}
 * @param mlp           {@code gated_silu}, {@code gated_gelu}, {@code gelu} or {@code relu}
 * @param dims          named numbers, in evaluation order; later ones may use earlier ones
 * @param rope          rotary layout, absent for models without RoPE
 * @param prefix        per-layer name prefix alternatives with {@code ${layer}}
 * @param globals       roles outside layers (no prefix)
 * @param tensors       per-layer roles (prefixed)
 * @param sites         scale sites
 * @param passthrough   stored tensors the spec knows but no role binds (buffers older writers saved): copied as they are
 * @param forward       forward-pass facts for the reference forward pass ({@code verify}); absent: no verify
 * @param examples      optional tiny configs for the synthetic generator and self-tests
 */
public record SpecJson(
    @JsonProperty("model_type") String modelType,
    List<String> architectures,
    String description,
    String norm,
    String mlp,
    LinkedHashMap<String, DimRule> dims,
    RopeRule rope,
    List<String> prefix,
    LinkedHashMap<String, List<RoleRule>> globals,
    LinkedHashMap<String, List<RoleRule>> tensors,
    List<SiteRule> sites,
    Passthrough passthrough,
    ForwardRules forward,
    LinkedHashMap<String, Example> examples) {

    public SpecJson {
        if (globals == null) globals = new LinkedHashMap<>();
        if (examples == null) examples = new LinkedHashMap<>();
        if (passthrough == null) passthrough = new Passthrough(List.of(), List.of());
    }

    /**
     * Tensor names a checkpoint may hold besides the roles' (e.g. rotary {@code inv_freq} buffers): claimed by
     * the spec, never scaled. {@code globals} are whole names, {@code tensors} follow a layer prefix; both may
     * hold {@code ${expert}}. Any other tensor of a checkpoint makes binding fail (UNCLAIMED_TENSOR).
     */
    public record Passthrough(List<String> globals, List<String> tensors) {
        public Passthrough {
            globals = globals == null ? List.of() : List.copyOf(globals);
            tensors = tensors == null ? List.of() : List.copyOf(tensors);
        }
    }

    /**
     * A number from config keys (first present wins) or, failing that, the {@code else} expression.
     * A plain string is an expression.
     */
    public record DimRule(List<String> key, @JsonProperty("else") String otherwise) {
        @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
        public static DimRule of(String expression) { return new DimRule(List.of(), expression); }

        @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
        public DimRule(@JsonProperty("key") List<String> key, @JsonProperty("else") String otherwise) {
            this.key = key == null ? List.of() : List.copyOf(key);
            this.otherwise = otherwise;
        }
    }

    /** {@code pairing}: {@code rotate_half} (HF: d with d + rot/2) or {@code interleaved} (2i with 2i+1). */
    public record RopeRule(String pairing, DimRule fraction) {}

    /**
     * One alternative for a role: either a stored tensor ({@code name}) or a row slice of another
     * role ({@code of} + {@code rows}). The first alternative whose {@code when} holds and that
     * exists is used.
     *
     * @param name     name aliases; may hold {@code ${layer}} is implied by the prefix, {@code ${expert}} for per-expert tensors
     * @param shape    stored shape as expressions
     * @param kind     weight (default), bias, norm, norm_bias, embedding, router
     * @param layout   {@code out_in} (default, nn.Linear) or {@code in_out} (Conv1D: logical rows are stored columns)
     * @param batched  leading axis indexes experts (fused 3-D MoE tensors)
     * @param optional the role may be absent
     * @param when     condition over dims
     * @param variant  tag the synthetic generator must ask for to produce this alternative
     * @param perHead  a dim (heads, kv_heads): the role is a vector stored as that many tensors of {@code shape},
     *                 one per head, named with {@code ${head}} (StableLM's per-head q/k LayerNorms); logically their
     *                 concatenation, head 0 first
     */
    public record RoleRule(
        List<String> name, List<String> shape, String kind, String layout, Boolean batched, Boolean optional,
        String when, String variant, String of, Slice rows, @JsonProperty("per_head") String perHead) {}

    /**
     * Logical index i of a slice is stored at {@code start + (i / block) * stride + i % block};
     * {@code block} defaults to {@code size} (one contiguous run).
     */
    public record Slice(String start, String size, String block, String stride) {}

    /**
     * A scale site template. Member references are {@code role.rows}, {@code role.cols} or
     * {@code role} (1-D); a trailing {@code ?} drops the member when the role is absent.
     *
     * @param pair     qk, vo, updown, norm, lora, qknorm
     * @param id       id within the layer ({@code ${expert}} allowed); layer sites get {@code layers.N.}
     * @param scope    {@code layer} (default) or {@code global}
     * @param repeat   dim to repeat over with {@code ${expert}} (e.g. experts)
     * @param mul      producers (× s)
     * @param div      consumers (÷ s)
     * @param group    dim giving the number of head groups (kv_heads): one scale per group
     * @param headDim  dim giving the head size (default head_dim) for head-structured sites
     * @param ropeTied channel scales tied across rotary pairs
     * @param when     condition for the site to exist at all
     * @param skip     the site is never applied; reported with this reason
     * @param skipIf   conditional skips with reasons
     */
    public record SiteRule(
        String pair, String id, String scope, String repeat, List<String> mul, List<String> div, String group,
        @JsonProperty("head_dim") String headDim, @JsonProperty("rope") Boolean ropeTied, String when, String skip,
        @JsonProperty("skip_if") List<SkipIf> skipIf) {}

    public record SkipIf(String when, String reason) {}

    /** A tiny config.json for the generator, and the variant tags it asks for. */
    public record Example(JsonNode config, List<String> variants) {}
}
