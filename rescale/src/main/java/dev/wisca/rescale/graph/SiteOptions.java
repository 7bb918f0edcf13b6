package dev.wisca.rescale.graph;

import java.util.EnumSet;
import java.util.Set;

/**
 * Which sites to derive. Asking for {@link Pair#QK} on a QK-norm model yields its
 * {@link Pair#QKNORM} sites (and reports the q/k_proj site as skipped).
 */
public record SiteOptions(Set<Pair> pairs, Granularity granularity) {
    public SiteOptions {
        pairs = pairs.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(pairs));
    }

    /** The paper's defaults: Q/K and V/O, tensor-wise. */
    public static SiteOptions paper() { return new SiteOptions(EnumSet.of(Pair.QK, Pair.VO), Granularity.TENSOR); }

    public static SiteOptions of(Granularity granularity, Pair... pairs) {
        return new SiteOptions(pairs.length == 0 ? Set.of() : EnumSet.of(pairs[0], pairs), granularity);
    }

    /** Whether sites of kind {@code pair} are wanted. */
    public boolean wants(Pair pair) {
        return pairs.contains(pair) || pair == Pair.QKNORM && pairs.contains(Pair.QK);
    }
}
