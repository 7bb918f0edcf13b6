package dev.wisca.rescale.verify;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.graph.Member;
import dev.wisca.rescale.graph.Site;
import dev.wisca.rescale.graph.SiteSet;
import dev.wisca.rescale.lora.LoraSites;
import dev.wisca.rescale.spec.Roles;
import dev.wisca.rescale.spec.SpecLibrary;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * Probe mode: for every layer, the attention (per head), MLP (per expert) and router invariants,
 * the final norm → lm_head logits, and B·A·x per LoRA module, each computed from A and from B on the
 * same seeded probe vectors and compared; then every tensor no site touches must be bit-identical.
 * Reads each touched weight a bounded number of times; needs no forward pass.
 */
final class ProbeVerifier {
    /** Probe vectors per block; positions (for RoPE) per probe. */
    static final int PROBES = 8;

    private ProbeVerifier() {}

    static VerifyReport run(ModelInput a, ModelInput b, VerifyOptions options, SpecLibrary library) {
        BoundPair pair = BoundPair.of(a, b, library);
        Tolerance tolerance = options.tolerance(Tolerance.derived());
        ProbeVectors probes = new ProbeVectors(options.seed(), PROBES);
        ProbeWeights wa = new ProbeWeights(a.tensors(), pair.a(), pair.sites(), pair.roundoff());
        ProbeWeights wb = new ProbeWeights(b.tensors(), pair.b(), pair.sites(), pair.roundoff());
        List<BlockResult> blocks = new ArrayList<>();
        for (int layer = 0; layer < pair.a().layers(); layer++) {
            compare(AttentionProbe.evaluate(wa, layer, probes), AttentionProbe.evaluate(wb, layer, probes), tolerance, blocks);
            compare(LatentAttentionProbe.evaluate(wa, layer, probes), LatentAttentionProbe.evaluate(wb, layer, probes), tolerance, blocks);
            compare(MlpProbe.evaluate(wa, layer, probes), MlpProbe.evaluate(wb, layer, probes), tolerance, blocks);
        }
        wa.matrix(Roles.LM_HEAD, -1, -1).ifPresent(head -> blocks.add(BlockComparison.compare(
            MlpProbe.linearBlock(wa, Roles.LM_HEAD, -1, head, probes),
            MlpProbe.linearBlock(wb, Roles.LM_HEAD, -1, wb.matrix(Roles.LM_HEAD, -1, -1).orElseThrow(), probes), tolerance)));
        blocks.add(UntouchedCheck.run("", a.tensors(), b.tensors(), pair.touched()));
        adapters(a, b, library, probes, tolerance, blocks);
        String rule = tolerance.describe() + " (" + BoundPair.dtypes(a.tensors().tensors(), b.tensors().tensors()) + ")";
        return VerifyReport.of(VerifyOptions.Mode.PROBES, pair.spec().name(), OptionalDouble.empty(), rule, blocks);
    }

    private static void adapters(ModelInput a, ModelInput b, SpecLibrary library, ProbeVectors probes, Tolerance tolerance, List<BlockResult> blocks) {
        if (a.adapter().isEmpty() && b.adapter().isEmpty()) return;
        if (a.adapter().isEmpty() || b.adapter().isEmpty()) {
            throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null, "a LoRA adapter was given for " + (a.adapter().isEmpty() ? "B" : "A")
                + " only; pass setting 'adapterA' and setting 'adapterB' together");
        }
        ModelInput.Adapter x = a.adapter().get();
        ModelInput.Adapter y = b.adapter().get();
        SiteSet sites = LoraSites.build(library.lora(), x.config(), x.tensors().tensors());
        LoraSites.build(library.lora(), y.config(), y.tensors().tensors());
        Roundoff roundoff = new Roundoff(x.tensors().tensors(), y.tensors().tensors());
        compare(LoraProbe.evaluate(x.tensors(), sites.sites(), roundoff, probes), LoraProbe.evaluate(y.tensors(), sites.sites(), roundoff, probes),
            tolerance, blocks);
        Set<String> touched = new HashSet<>();
        for (Site s : sites.sites()) for (Member m : s.members()) touched.add(m.tensor());
        blocks.add(UntouchedCheck.run("adapter", x.tensors(), y.tensors(), touched));
    }

    private static void compare(List<BlockOutput> a, List<BlockOutput> b, Tolerance tolerance, List<BlockResult> into) {
        Map<String, BlockOutput> byName = new HashMap<>();
        for (BlockOutput o : b) byName.put(o.block(), o);
        for (BlockOutput o : a) {
            BlockOutput other = byName.get(o.block());
            into.add(other == null ? BlockResult.failed(o.block(), o.layer(), "B has no such block") : BlockComparison.compare(o, other, tolerance));
        }
    }
}
