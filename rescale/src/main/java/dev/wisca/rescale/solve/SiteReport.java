package dev.wisca.rescale.solve;

import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.stats.Norm;
import java.util.List;

/**
 * What the solver decided for one site: the one site report record, serialized as it is (Jackson) in
 * plan.json, the protocol's solve answers and the CLI's JSON. Imbalance is {@code max_c |log2(N_p / (ratio·N_c))|} over
 * non-degenerate channels, before and after the scales (0 = perfectly balanced).
 *
 * @param fold whether the site was solved by folding norm gains rather than balancing
 */
public record SiteReport(String id, Pair pair, int channels, Norm norm, boolean pow2, boolean fold,
                         double minScale, double maxScale, double geoMeanScale,
                         double imbalanceBefore, double imbalanceAfter, List<Note> notes) {
    public SiteReport {
        notes = notes == null ? List.of() : List.copyOf(notes);   // absent in JSON: no notes
    }
}
