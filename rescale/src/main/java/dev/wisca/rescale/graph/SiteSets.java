package dev.wisca.rescale.graph;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.io.TensorInfo;
import dev.wisca.rescale.spec.ArchSpec;
import dev.wisca.rescale.spec.ModelBinding;
import dev.wisca.rescale.spec.SpecJson.SiteRule;
import dev.wisca.rescale.spec.SpecJson.SkipIf;

import java.util.ArrayList;
import java.util.List;

/**
 * Derives every scale site of a checkpoint from its spec's site templates: one instance per layer
 * (per expert for {@code repeat}), members resolved through the binding, channels laid out by the
 * granularity, head groups and RoPE pairing. Every site is checked before it is returned: each
 * channel has a producer and a consumer, and no stored index belongs to two members.
 */
public final class SiteSets {
    private final ModelBinding binding;
    private final SiteOptions options;
    private final List<Site> sites = new ArrayList<>();
    private final List<SkippedSite> skipped = new ArrayList<>();

    private SiteSets(ModelBinding binding, SiteOptions options) {
        this.binding = binding;
        this.options = options;
    }

    /** Binds {@code spec} to the checkpoint (validating names and shapes) and derives its sites. */
    public static SiteSet build(ArchSpec spec, JsonNode config, List<TensorInfo> tensors, SiteOptions options) {
        return build(ModelBinding.bind(spec, config, tensors), options);
    }

    public static SiteSet build(ModelBinding binding, SiteOptions options) {
        SiteSets g = new SiteSets(binding, options);
        for (SiteRule rule : binding.spec().sites()) g.expand(rule);
        return new SiteSet(g.sites, g.skipped);
    }

    private void expand(SiteRule rule) {
        Pair pair = Pair.parse(rule.pair());
        if (!options.wants(pair)) return;
        if ("global".equals(rule.scope())) {
            instantiate(rule, pair, -1, -1);
            return;
        }
        for (int layer = 0; layer < binding.layers(); layer++) {
            if (rule.repeat() == null) {
                instantiate(rule, pair, layer, -1);
            } else {
                int n = binding.dims().count(rule.repeat());
                for (int e = 0; e < n; e++) instantiate(rule, pair, layer, e);
            }
        }
    }

    private void instantiate(SiteRule rule, Pair pair, int layer, int expert) {
        String what = "site " + rule.id();
        if (!binding.dims().testAt(rule.when(), layer, what + " when")) return;
        String local = rule.id().replace("${expert}", Integer.toString(expert));
        String id = layer < 0 ? local : "layers." + layer + "." + local;
        String reason = skipReason(rule, what, layer);
        if (reason != null) {
            skipped.add(new SkippedSite(id, pair, layer, reason));
            return;
        }
        SiteAssembler a = new SiteAssembler(binding, rule, pair, id, layer, expert, options.granularity());
        String absent = a.collect();
        if (absent == null) absent = a.tiedEmbeddingProblem();
        if (absent != null) {
            skipped.add(new SkippedSite(id, pair, layer, absent));
            return;
        }
        sites.add(a.site());
    }

    private String skipReason(SiteRule rule, String what, int layer) {
        if (rule.skip() != null) return rule.skip();
        if (rule.skipIf() != null) {
            for (SkipIf s : rule.skipIf()) {
                if (binding.dims().testAt(s.when(), layer, what + " skip_if")) return s.reason();
            }
        }
        return null;
    }
}
