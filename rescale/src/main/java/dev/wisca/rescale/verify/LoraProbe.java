package dev.wisca.rescale.verify;

import dev.wisca.io.TensorSource;
import dev.wisca.rescale.graph.Member;
import dev.wisca.rescale.graph.Site;

import java.util.ArrayList;
import java.util.List;

/**
 * The invariant of one LoRA module: {@code B·A·x}, which a per-rank A-row/B-column rescale or a
 * balanced refactorization leaves unchanged (and with it every alpha/r, alpha/√r or DoRA scaling).
 */
final class LoraProbe {
    private LoraProbe() {}

    static List<BlockOutput> evaluate(TensorSource adapter, List<Site> loraSites, Roundoff roundoff, ProbeVectors probes) {
        List<BlockOutput> out = new ArrayList<>();
        for (Site site : loraSites) {
            Member aMember = site.producers().getFirst();
            Member bMember = site.consumers().getFirst();
            StoredMatrix a = StoredMatrix.plain(adapter, aMember.tensor());
            StoredMatrix b = StoredMatrix.plain(adapter, bMember.tensor());
            Noisy[] xs = probes.noisy(site.id(), Math.toIntExact(a.cols()));
            Noisy[] ax = ProbeMath.linear(a, xs, roundoff.of(a.tensorName()));
            out.add(BlockOutput.of(site.id(), site.layer(), ProbeMath.linear(b, ax, roundoff.of(b.tensorName()))));
        }
        return out;
    }
}
