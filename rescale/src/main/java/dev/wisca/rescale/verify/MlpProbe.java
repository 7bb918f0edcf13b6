package dev.wisca.rescale.verify;

import dev.wisca.rescale.spec.MlpKind;
import dev.wisca.rescale.spec.Roles;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The invariants of one feed-forward layer, each behind the norm that feeds it: the gated MLP
 * {@code down(act(gate n(x) + b) ⊙ (up n(x) + b))} (per expert for MoE, named or fused 3-D, and the
 * shared expert), the ungated {@code down(act(up n(x) + b))}, and the router and shared-expert-gate
 * logits. Up/down and norm-fold rescales leave all of them unchanged; a scaled gate does not.
 */
final class MlpProbe {
    private MlpProbe() {}

    static List<BlockOutput> evaluate(ProbeWeights w, int layer, ProbeVectors probes) {
        List<BlockOutput> out = new ArrayList<>();
        String key = "layers." + layer;
        MlpKind kind = w.binding().spec().mlpKind();
        Optional<StoredMatrix> router = w.matrix(Roles.ROUTER, layer, -1);
        router.ifPresent(r -> out.add(linearBlock(w, key + ".router", layer, r, probes)));
        if (kind.gated()) {
            if (w.perExpert(Roles.UP, layer)) {
                for (int e = 0; e < w.binding().experts(); e++) {
                    gated(w, layer, e, Roles.GATE, Roles.UP, Roles.DOWN, key + ".experts." + e + ".mlp", probes).ifPresent(out::add);
                }
            } else {
                gated(w, layer, -1, Roles.GATE, Roles.UP, Roles.DOWN, key + ".mlp", probes).ifPresent(out::add);
            }
            gated(w, layer, -1, Roles.SHARED_GATE, Roles.SHARED_UP, Roles.SHARED_DOWN, key + ".shared_expert.mlp", probes).ifPresent(out::add);
            w.matrix(Roles.SHARED_EXPERT_GATE, layer, -1).ifPresent(g -> out.add(linearBlock(w, key + ".shared_expert_gate", layer, g, probes)));
        } else {
            ungated(w, layer, kind, key + ".mlp", probes).ifPresent(out::add);
        }
        return out;
    }

    private static Optional<BlockOutput> gated(ProbeWeights w, int layer, int expert, String gateRole, String upRole, String downRole,
                                               String block, ProbeVectors probes) {
        Optional<StoredMatrix> gate = w.matrix(gateRole, layer, expert);
        Optional<StoredMatrix> up = w.matrix(upRole, layer, expert);
        Optional<StoredMatrix> down = w.matrix(downRole, layer, expert);
        if (gate.isEmpty() || up.isEmpty() || down.isEmpty()) return Optional.empty();
        Noisy[] xs = probes.noisy(block, Math.toIntExact(up.get().cols()));
        Optional<StoredMatrix> gateBias = expert < 0 && gateRole.equals(Roles.GATE) ? w.matrix(Roles.GATE_BIAS, layer, -1) : Optional.empty();
        Optional<StoredMatrix> upBias = expert < 0 && upRole.equals(Roles.UP) ? w.matrix(Roles.UP_BIAS, layer, -1) : Optional.empty();
        Noisy[] g = w.project(gate.get(), gateBias, w.normedFor(gate.get(), xs));
        Noisy[] u = w.project(up.get(), upBias, w.normedFor(up.get(), xs));
        MlpKind kind = w.binding().spec().mlpKind();
        Noisy[] h = new Noisy[xs.length];
        for (int p = 0; p < xs.length; p++) h[p] = ProbeMath.multiply(ProbeMath.activate(g[p], kind), u[p]);
        return Optional.of(BlockOutput.of(block, layer, ProbeMath.linear(down.get(), h, w.u(down.get()))));
    }

    private static Optional<BlockOutput> ungated(ProbeWeights w, int layer, MlpKind kind, String block, ProbeVectors probes) {
        Optional<StoredMatrix> fc = w.matrix(Roles.UP, layer, -1);
        Optional<StoredMatrix> proj = w.matrix(Roles.DOWN, layer, -1);
        if (fc.isEmpty() || proj.isEmpty()) return Optional.empty();
        Noisy[] xs = probes.noisy(block, Math.toIntExact(fc.get().cols()));
        Noisy[] a = w.project(fc.get(), w.matrix(Roles.UP_BIAS, layer, -1), w.normedFor(fc.get(), xs));
        Noisy[] h = new Noisy[a.length];
        for (int p = 0; p < a.length; p++) h[p] = ProbeMath.activate(a[p], kind);
        return Optional.of(BlockOutput.of(block, layer, ProbeMath.linear(proj.get(), h, w.u(proj.get()))));
    }

    /** W n(x) for a linear read straight off the residual stream (router, shared-expert gate, lm_head). */
    static BlockOutput linearBlock(ProbeWeights w, String block, int layer, StoredMatrix m, ProbeVectors probes) {
        Noisy[] xs = probes.noisy(block, Math.toIntExact(m.cols()));
        return BlockOutput.of(block, layer, ProbeMath.linear(m, w.normedFor(m, xs), w.u(m)));
    }
}
