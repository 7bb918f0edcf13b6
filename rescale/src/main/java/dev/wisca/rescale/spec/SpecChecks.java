package dev.wisca.rescale.spec;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.spec.SpecJson.DimRule;
import dev.wisca.rescale.spec.SpecJson.RoleRule;
import dev.wisca.rescale.spec.SpecJson.SiteRule;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The static checks of a spec: required keys, known values, references, expression syntax. */
final class SpecChecks {
    private final SpecJson json;
    private final Path source;
    private final Map<String, Expr> compiled;
    private final Set<String> roleNames = new HashSet<>();

    SpecChecks(SpecJson json, Path source, Map<String, Expr> compiled) {
        this.json = json;
        this.source = source;
        this.compiled = compiled;
    }

    void run() {
        require(json.modelType(), "model_type");
        require(json.architectures(), "architectures");
        require(json.norm(), "norm");
        require(json.mlp(), "mlp");
        require(json.dims(), "dims");
        require(json.prefix(), "prefix");
        require(json.tensors(), "tensors");
        require(json.sites(), "sites");
        check(() -> NormKind.parse(json.norm()), "norm");
        check(() -> MlpKind.parse(json.mlp()), "mlp");
        json.dims().forEach((name, rule) -> dim(rule, "dims." + name));
        if (json.rope() != null) {
            check(() -> RopePairing.parse(String.valueOf(json.rope().pairing())), "rope.pairing");
            require(json.rope().fraction(), "rope.fraction");
            dim(json.rope().fraction(), "rope.fraction");
        }
        for (String p : json.prefix()) {
            if (!p.contains("${layer}")) throw invalid("prefix '" + p + "' lacks ${layer}");
        }
        roleNames.addAll(json.globals().keySet());
        for (String r : json.tensors().keySet()) {
            if (!roleNames.add(r)) throw invalid("role '" + r + "' is declared in both globals and tensors");
        }
        json.globals().forEach((r, alts) -> role(r, alts, "globals." + r));
        json.tensors().forEach((r, alts) -> role(r, alts, "tensors." + r));
        for (int i = 0; i < json.sites().size(); i++) site(json.sites().get(i), "sites[" + i + "]");
        passthrough(json.passthrough().globals(), "passthrough.globals");
        passthrough(json.passthrough().tensors(), "passthrough.tensors");
        if (json.forward() != null) forward(json.forward());
        json.examples().forEach((name, ex) -> {
            if (ex == null) throw invalid("examples." + name + " is null");
            if (ex.config() == null || !ex.config().isObject()) throw invalid("examples." + name + ".config must be an object");
        });
    }

    private void dim(DimRule rule, String where) {
        if (rule.key().isEmpty() && rule.otherwise() == null) throw invalid(where + " needs 'key' or 'else'");
        if (rule.otherwise() != null) compile(rule.otherwise(), where + ".else");
    }

    private void role(String role, List<RoleRule> alts, String where) {
        if (alts == null || alts.isEmpty()) throw invalid(where + " has no alternatives");
        for (int i = 0; i < alts.size(); i++) {
            RoleRule a = alts.get(i);
            String at = where + "[" + i + "]";
            if (a.when() != null) compile(a.when(), at + ".when");
            boolean named = a.name() != null && !a.name().isEmpty();
            if (named == (a.of() != null)) throw invalid(at + " needs exactly one of 'name' or 'of'");
            if (named) {
                require(a.shape(), at + ".shape");
                for (String s : a.shape()) compile(s, at + ".shape");
                int rank = a.shape().size() - (Boolean.TRUE.equals(a.batched()) ? 1 : 0);
                if (rank < 1 || rank > 2) throw invalid(at + ".shape must be 1-D or 2-D (plus the expert axis when batched)");
                if (a.layout() != null && !a.layout().equals("out_in") && !a.layout().equals("in_out")) {
                    throw invalid(at + ".layout '" + a.layout() + "' (expected out_in or in_out)");
                }
                if (a.kind() != null && TensorKind.parse(a.kind()).isEmpty()) {
                    throw invalid(at + ".kind '" + a.kind() + "' (expected " + String.join(", ", TensorKind.specNames()) + ")");
                }
                if (a.rows() != null) throw invalid(at + ".rows is only for slices ('of')");
                perHead(a, at);
            } else {
                if (!roleNames.contains(a.of())) throw invalid(at + ".of names unknown role '" + a.of() + "'");
                if (a.of().equals(role)) throw invalid(at + ".of is the role itself");
                require(a.rows(), at + ".rows");
                require(a.rows().size(), at + ".rows.size");
                compile(a.rows().size(), at + ".rows.size");
                compile(a.rows().start() == null ? "0" : a.rows().start(), at + ".rows.start");
                if (a.rows().block() != null) compile(a.rows().block(), at + ".rows.block");
                if (a.rows().stride() != null) compile(a.rows().stride(), at + ".rows.stride");
                if (a.shape() != null || a.layout() != null || a.batched() != null) {
                    throw invalid(at + ": a slice takes shape, layout and batching from '" + a.of() + "'");
                }
            }
        }
    }

    /** {@code per_head} names a dim, goes with {@code ${head}} in every name, and stacks vectors only. */
    private void perHead(RoleRule a, String at) {
        boolean placeholder = a.name().stream().anyMatch(n -> n.contains(BoundTensor.HEAD));
        if (a.perHead() == null) {
            if (placeholder) throw invalid(at + ".name holds ${head} without per_head");
            return;
        }
        if (!json.dims().containsKey(a.perHead())) throw invalid(at + ".per_head names unknown dim '" + a.perHead() + "'");
        if (!a.name().stream().allMatch(n -> n.contains(BoundTensor.HEAD))) throw invalid(at + ".name must hold ${head} with per_head");
        if (a.shape().size() != 1 || Boolean.TRUE.equals(a.batched())) throw invalid(at + ": per_head stacks 1-D tensors only");
    }

    private void passthrough(List<String> names, String where) {
        for (String n : names) {
            if (n == null || n.isBlank()) throw invalid(where + " holds an empty name");
            if (n.replace("${expert}", "").contains("${")) throw invalid(where + " '" + n + "': only ${expert} may be a placeholder");
        }
    }

    private void site(SiteRule s, String where) {
        require(s.pair(), where + ".pair");
        check(() -> Pair.parse(s.pair()), where + ".pair");
        require(s.id(), where + ".id");
        if (s.scope() != null && !s.scope().equals("layer") && !s.scope().equals("global")) {
            throw invalid(where + ".scope '" + s.scope() + "' (expected layer or global)");
        }
        if (s.when() != null) compile(s.when(), where + ".when");
        if (s.skipIf() != null) {
            for (SpecJson.SkipIf k : s.skipIf()) {
                require(k.when(), where + ".skip_if.when");
                require(k.reason(), where + ".skip_if.reason");
                compile(k.when(), where + ".skip_if.when");
            }
        }
        for (String d : new String[] {s.repeat(), s.group(), s.headDim()}) {
            if (d != null && !json.dims().containsKey(d)) throw invalid(where + " names unknown dim '" + d + "'");
        }
        if (s.repeat() != null && !s.id().contains("${expert}")) throw invalid(where + ".id must contain ${expert} when repeating");
        if (s.skip() != null) return;
        if (s.pair().equals("updown") && !MlpKind.parse(json.mlp()).hasUpDownSymmetry()) {
            throw invalid(where + ": ungated GELU MLP has no up/down symmetry; declare the site with \"skip\"");
        }
        require(s.mul(), where + ".mul");
        require(s.div(), where + ".div");
        for (String ref : s.mul()) ref(ref, where + ".mul");
        for (String ref : s.div()) ref(ref, where + ".div");
        if (Boolean.TRUE.equals(s.ropeTied()) && json.rope() == null) throw invalid(where + ".rope needs a top-level 'rope'");
        if ((s.group() != null || Boolean.TRUE.equals(s.ropeTied())) && s.headDim() == null && !json.dims().containsKey(Roles.DIM_HEAD_DIM)) {
            throw invalid(where + " is head-structured but there is no dim 'head_dim'");
        }
    }

    private void forward(ForwardRules f) {
        // an empty pre-norm list is a post-norm block (OLMo 2): it needs the branch's output norm
        if (f.attnNorm().isEmpty() && f.attnOutNorm().isEmpty()) throw invalid("missing key 'forward.attn_norm'");
        if (f.mlpNorm().isEmpty() && f.mlpOutNorm().isEmpty()) throw invalid("missing key 'forward.mlp_norm'");
        require(f.eps(), "forward.eps");
        require(f.activation(), "forward.activation");
        if (json.rope() != null) require(f.ropeTheta(), "forward.rope_theta");
        if (!f.embedScale().equals("none") && !f.embedScale().equals("sqrt_hidden")) {
            throw invalid("forward.embed_scale '" + f.embedScale() + "' (expected none or sqrt_hidden)");
        }
        if (f.moe() != null) {
            require(f.moe().renormalize(), "forward.moe.renormalize");
            if (!ForwardRules.MoeRule.ROUTINGS.contains(f.moe().routing())) {
                throw invalid("forward.moe.routing '" + f.moe().routing() + "' (expected one of " + ForwardRules.MoeRule.ROUTINGS + ")");
            }
        }
        if (f.moe() != null && f.moe().routing().equals("sigmoid_grouped")) {
            require(f.moe().groups(), "forward.moe.groups");
            require(f.moe().groupTopK(), "forward.moe.group_top_k");
            require(f.moe().scaling(), "forward.moe.scaling");
        }
        if (f.latentAttention() != null) {
            require(f.latentAttention().interleave(), "forward.latent_attention.interleave");
            require(f.latentAttention().latentEps(), "forward.latent_attention.latent_eps");
        }
        if (f.clampedSwiglu() != null) {
            require(f.clampedSwiglu().limit(), "forward.clamped_swiglu.limit");
            require(f.clampedSwiglu().alpha(), "forward.clamped_swiglu.alpha");
        }
        if (f.encoder() != null) encoder(f.encoder());
        for (String r : f.roles()) {
            if (!roleNames.contains(r)) throw invalid("forward names unknown role '" + r + "'");
        }
    }

    private void encoder(ForwardRules.EncoderRule e) {
        if (!e.positions().equals("from_zero") && !e.positions().equals("after_padding")) {
            throw invalid("forward.encoder.positions '" + e.positions() + "' (expected from_zero or after_padding)");
        }
        if (e.positions().equals("after_padding")) require(e.padToken(), "forward.encoder.pad_token");
        for (String role : List.of(Roles.EMBED, Roles.POSITIONS, Roles.TOKEN_TYPES, Roles.EMBED_NORM)) {
            if (!roleNames.contains(role)) throw invalid("forward.encoder needs a role '" + role + "'");
        }
    }

    private void ref(String ref, String where) {
        MemberRef r;
        try {
            r = MemberRef.parse(ref);
        } catch (IllegalArgumentException e) {
            throw invalid(where + ": " + e.getMessage());
        }
        if (!roleNames.contains(r.role())) throw invalid(where + " names unknown role '" + r.role() + "'");
    }

    private void compile(String text, String where) {
        try {
            compiled.computeIfAbsent(text, Expr::parse);
        } catch (IllegalArgumentException e) {
            throw invalid(where + ": " + e.getMessage());
        }
    }

    private void check(Runnable r, String where) {
        try {
            r.run();
        } catch (IllegalArgumentException | WiscaException e) {
            throw invalid(where + ": " + WiscaException.detailOf(e));
        }
    }

    private void require(Object value, String key) {
        if (value == null) throw invalid("missing key '" + key + "'");
    }

    private WiscaException invalid(String detail) {
        return new WiscaException(ErrorKind.INVALID_SPEC, source, null, detail);
    }
}
