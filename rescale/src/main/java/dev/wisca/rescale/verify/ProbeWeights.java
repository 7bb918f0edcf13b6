package dev.wisca.rescale.verify;

import dev.wisca.io.TensorSource;
import dev.wisca.rescale.graph.Member;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.graph.Site;
import dev.wisca.rescale.graph.SiteSet;
import dev.wisca.rescale.spec.BoundTensor;
import dev.wisca.rescale.spec.ModelBinding;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One checkpoint as the probes see it: role matrices through its binding, the roundoff charged to
 * each tensor, and which norm feeds which linear (from the NORM sites of the full symmetry graph,
 * so a probe entering a linear first goes through the norm gain and bias that precede it; that is
 * what keeps a norm fold invisible and a wrong fold visible).
 */
final class ProbeWeights {
    private final TensorSource source;
    private final ModelBinding binding;
    private final Roundoff roundoff;
    private final Map<String, Site> normOf = new HashMap<>();

    ProbeWeights(TensorSource source, ModelBinding binding, SiteSet allSites, Roundoff roundoff) {
        this.source = source;
        this.binding = binding;
        this.roundoff = roundoff;
        for (Site s : allSites.ofPair(Pair.NORM)) {
            for (Member m : s.producers()) normOf.put(m.tensor(), s);
        }
    }

    ModelBinding binding() { return binding; }

    TensorSource source() { return source; }

    /** The role's matrix in a layer (-1: global) for an expert, or empty when the role is absent. */
    Optional<StoredMatrix> matrix(String role, int layer, int expert) {
        if (binding.spec().alternatives(role).isEmpty()) return Optional.empty();
        return binding.role(role, layer).map(r -> StoredMatrix.of(source, r, expert));
    }

    /** Whether a role's tensor holds one matrix per expert (named or batched). */
    boolean perExpert(String role, int layer) {
        if (binding.spec().alternatives(role).isEmpty()) return false;
        return binding.role(role, layer).map(r -> r.tensor().perExpert() || r.tensor().batched()).orElse(false);
    }

    double u(StoredMatrix m) { return roundoff.of(m.tensorName()); }

    /** y = W x (+ b) for every probe. */
    Noisy[] project(StoredMatrix w, Optional<StoredMatrix> bias, Noisy[] xs) {
        Noisy[] ys = ProbeMath.linear(w, xs, u(w));
        return bias.isPresent() ? ProbeMath.addBias(ys, bias.get().values(), u(bias.get())) : ys;
    }

    /** The probes after the norm that feeds {@code linear} (its gain, offset gain, bias); unchanged if none does. */
    Noisy[] normedFor(StoredMatrix linear, Noisy[] xhat) {
        Site site = normOf.get(linear.tensorName());
        if (site == null) return xhat;
        Noisy[] out = xhat.clone();
        for (boolean biases : new boolean[] {false, true}) {
            for (Member m : site.consumers()) {
                BoundTensor t = binding.tensors().get(m.tensor());
                boolean isBias = t != null && t.isNormBias();
                if (isBias != biases) continue;
                double[] values = StoredMatrix.vector(source, m.tensor(), m.batch(), m.length()).values();
                double u = roundoff.of(m.tensor());
                for (int p = 0; p < out.length; p++) {
                    out[p] = isBias ? ProbeMath.addBias(new Noisy[] {out[p]}, values, u)[0] : ProbeMath.gain(out[p], values, m.offsetGain(), u);
                }
            }
        }
        return out;
    }
}
