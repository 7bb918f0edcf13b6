package dev.wisca.rescale.forward;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.spec.ArchSpec;
import dev.wisca.rescale.spec.Dims;
import dev.wisca.rescale.spec.ForwardRules;
import dev.wisca.rescale.spec.ForwardRules.NumberRule;
import dev.wisca.rescale.spec.ModelBinding;
import dev.wisca.rescale.spec.Roles;
import dev.wisca.rescale.spec.RopePairing;

import java.util.List;
import java.util.Map;

/** Resolves a {@link ForwardConfig} from a bound spec, its config.json and the spec's {@code forward} section. */
public final class ForwardConfigs {
    private ForwardConfigs() {}

    public static ForwardConfig resolve(ModelBinding binding) {
        ArchSpec spec = binding.spec();
        ForwardRules rules = spec.forward().orElseThrow(() -> new WiscaException(ErrorKind.UNKNOWN_ARCHITECTURE, spec.source(), null,
            "spec '" + spec.name() + "' has no \"forward\" section, so the reference forward pass cannot run it"));
        Dims dims = binding.dims();
        JsonNode config = dims.config();
        for (String flag : rules.rejectIfTrue()) {
            JsonNode n = Dims.configValue(config, flag);
            if (n != null && n.asBoolean(false)) throw unsupported("config.json sets '" + flag + "'");
        }
        int hidden = dims.count(Roles.DIM_HIDDEN);
        int heads = dims.count(Roles.DIM_HEADS);
        int kvHeads = dims.count(Roles.DIM_KV_HEADS);
        int headDim = dims.count(Roles.DIM_HEAD_DIM);
        if (kvHeads == 0 || heads % kvHeads != 0) {
            throw new WiscaException(ErrorKind.INVALID_CONFIG, null, null, heads + " heads do not split into " + kvHeads + " kv heads");
        }
        String attnOut = firstBound(binding, rules.attnOutNorm());
        String mlpOut = firstBound(binding, rules.mlpOutNorm());
        BlockLayout block = rules.encoder() != null ? BlockLayout.POST_NORM : attnOut != null || mlpOut != null ? BlockLayout.SANDWICH
            : anyFlag(config, rules.parallel()) ? BlockLayout.PARALLEL : BlockLayout.SEQUENTIAL;
        Rope rope = binding.rotaryDims() == 0 ? null
            : Rope.of(binding.rotaryDims(), number(config, rules.ropeTheta(), "rope theta"), firstObject(config, rules.ropeScaling()), config);
        double queryScale = rules.queryScale() == null ? headDim : number(config, rules.queryScale(), "query scale");
        Multipliers multipliers = Multipliers.resolve(rules.multipliers(), config);
        NoRopeLayers noRope = NoRopeLayers.resolve(rules.ropeLayers(), rules.temperatureTuning(), config, binding.layers());
        return new ForwardConfig(spec.modelType(), binding.layers(), hidden, heads, kvHeads, headDim, dims.count(Roles.DIM_VOCAB), binding.tied(),
            spec.normKind(), number(config, rules.eps(), "norm epsilon"), spec.mlpKind(), activation(config, rules),
            block, preNorm(binding, rules.attnNorm(), attnOut, "attention norm"), preNorm(binding, rules.mlpNorm(), mlpOut, "MLP norm"), attnOut, mlpOut,
            rope, bound(binding, Roles.POSITIONS),
            ("sqrt_hidden".equals(rules.embedScale()) ? Math.sqrt(hidden) : 1) * multipliers.embedding(),
            multipliers.attentionOr(1 / Math.sqrt(queryScale)), optional(config, rules.attnSoftcap()), optional(config, rules.finalSoftcap()),
            bound(binding, Roles.Q_NORM), moe(binding, rules, config),
            SlidingWindow.resolve(rules.slidingWindow(), config, binding.layers()), multipliers,
            spec.ropePairing().orElse(RopePairing.ROTATE_HALF),
            QkNorms.fullWidth(binding, heads, kvHeads, headDim),
            SlidingRope.resolve(rules.slidingRope(), binding.rotaryDims(), config),
            rules.attentionSinks() != null && bound(binding, rules.attentionSinks()) ? rules.attentionSinks() : null,
            routing(binding, rules, config),
            clampedSwiglu(config, rules),
            rules.latentAttention() == null ? null : LatentAttention.resolve(rules.latentAttention(), dims, binding.rotaryDims(),
                firstObject(config, rules.ropeScaling()), r -> number(config, r, "latent attention")),
            Encoder.resolve(rules.encoder(), config, bound(binding, Roles.POSITIONS) ? binding.dims().count(Roles.POSITIONS) : 0),
            noRope, rules.l2QkNorm() != null && number(config, rules.l2QkNorm(), "QK L2 norm flag") != 0,
            ChunkedAttention.resolve(rules.chunkedAttention(), config, binding.layers(), noRope));
    }

    private static Routing routing(ModelBinding binding, ForwardRules rules, JsonNode config) {
        if (rules.moe() == null || binding.experts() == 0) return null;
        ForwardRules.MoeRule m = rules.moe();
        Routing.Kind kind = Routing.kind(m.routing());
        if (kind != Routing.Kind.SIGMOID_GROUPED) return new Routing(kind, 1, 1, 1, null);
        int groups = (int) number(config, m.groups(), "expert groups");
        int groupTopK = (int) number(config, m.groupTopK(), "expert groups kept");
        if (groups < 1 || binding.experts() % groups != 0 || groupTopK < 1 || groupTopK > groups) {
            throw new WiscaException(ErrorKind.INVALID_CONFIG, null, null, binding.experts() + " experts in " + groups
                + " groups keeping " + groupTopK + ": not a valid grouped routing");
        }
        return new Routing(kind, groups, groupTopK, number(config, m.scaling(), "routed scaling factor"),
            m.correctionBias() != null && boundAnywhere(binding, m.correctionBias()) ? m.correctionBias() : null);
    }

    /** Whether {@code role} is bound in some layer (MoE roles are absent in DeepSeek's first dense layers). */
    static boolean boundAnywhere(ModelBinding binding, String role) {
        if (!binding.spec().roles().contains(role)) return false;
        for (int l = 0; l < binding.layers(); l++) if (binding.role(role, l).isPresent()) return true;
        return false;
    }

    private static ClampedSwiglu clampedSwiglu(JsonNode config, ForwardRules rules) {
        if (rules.clampedSwiglu() == null) return null;
        return new ClampedSwiglu(number(config, rules.clampedSwiglu().limit(), "SwiGLU limit"), number(config, rules.clampedSwiglu().alpha(), "SwiGLU alpha"));
    }

    private static ForwardConfig.Moe moe(ModelBinding binding, ForwardRules rules, JsonNode config) {
        // dense MLP layers among the MoE layers (DeepSeek's first_k_dense_replace, Qwen's mlp_only_layers / decoder_sparse_step)
        // are the spec's business: a layer runs its experts where the router role is bound, its dense MLP elsewhere
        if (binding.experts() == 0 || rules.moe() == null) return null;
        boolean renormalize = number(config, rules.moe().renormalize(), "MoE renormalize flag") != 0;
        return new ForwardConfig.Moe(binding.experts(), binding.dims().count(Roles.DIM_TOP_K), renormalize, boundAnywhere(binding, Roles.SHARED_GATE));
    }

    private static Activation activation(JsonNode config, ForwardRules rules) {
        for (String key : rules.activation().key()) {
            JsonNode n = Dims.configValue(config, key);
            if (n != null && n.isTextual()) return Activation.parse(n.asText());
        }
        return Activation.parse(rules.activation().otherwise());
    }

    /** Whether {@code role} exists in the spec and is bound in layer 0 (globals: at all). */
    static boolean bound(ModelBinding binding, String role) {
        return binding.spec().roles().contains(role) && binding.role(role, 0).isPresent();
    }

    private static String firstBound(ModelBinding binding, List<String> roles) {
        for (String r : roles) if (bound(binding, r)) return r;
        return null;
    }

    private static String required(ModelBinding binding, List<String> roles, String what) {
        String r = firstBound(binding, roles);
        if (r == null) {
            throw new WiscaException(ErrorKind.INVALID_SPEC, null, null, "no " + what + " among roles " + roles + " of spec "
                + binding.spec().name());
        }
        return r;
    }

    /** The norm before a branch; none (null) only in a post-norm block, whose spec lists no pre-norm (OLMo 2). */
    private static String preNorm(ModelBinding binding, List<String> roles, String postNorm, String what) {
        return roles.isEmpty() && postNorm != null ? null : required(binding, roles, what);
    }

    private static boolean anyFlag(JsonNode config, Map<String, Boolean> flags) {
        for (Map.Entry<String, Boolean> e : flags.entrySet()) {
            JsonNode n = Dims.configValue(config, e.getKey());
            if (n == null ? e.getValue() : n.asBoolean(false)) return true;
        }
        return false;
    }

    static double number(JsonNode config, NumberRule rule, String what) {
        for (String key : rule.key()) {
            JsonNode n = Dims.configValue(config, key);
            if (n != null) {
                if (n.isNumber()) return n.doubleValue();
                if (n.isBoolean()) return n.booleanValue() ? 1 : 0;
                throw new WiscaException(ErrorKind.INVALID_CONFIG, null, null, "config.json '" + key + "' (" + what + ") is not a number");
            }
        }
        if (rule.otherwise() == null) {
            throw new WiscaException(ErrorKind.INVALID_CONFIG, null, null, "config.json lacks " + String.join(" / ", rule.key()) + " (" + what + ")");
        }
        return rule.otherwise();
    }

    /** A number, or 0 when the rule is absent or no key is present (null counts as absent). */
    private static double optional(JsonNode config, NumberRule rule) {
        if (rule == null) return 0;
        for (String key : rule.key()) {
            JsonNode n = Dims.configValue(config, key);
            if (n != null && n.isNumber()) return n.doubleValue();
        }
        return rule.otherwise() == null ? 0 : rule.otherwise();
    }

    /** A number, or NaN when no key is present (null counts as absent) and the rule has no default. */
    static double optionalNumber(JsonNode config, NumberRule rule) {
        for (String key : rule.key()) {
            if (Dims.configValue(config, key) != null) return number(config, rule, key);
        }
        return rule.otherwise() == null ? Double.NaN : rule.otherwise();
    }

    static JsonNode firstObject(JsonNode config, List<String> keys) {
        for (String key : keys) {
            JsonNode n = Dims.configValue(config, key);
            if (n != null && n.isObject()) return n;
        }
        return null;
    }

    private static WiscaException unsupported(String what) {
        return new WiscaException(ErrorKind.INVALID_CONFIG, null, null, what + ": not supported by the reference forward pass");
    }
}
