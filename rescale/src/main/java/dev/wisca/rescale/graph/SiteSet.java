package dev.wisca.rescale.graph;

import java.util.List;
import java.util.Optional;

/** The sites derived for a checkpoint and the ones skipped, with reasons. */
public record SiteSet(List<Site> sites, List<SkippedSite> skipped) {
    public SiteSet {
        sites = List.copyOf(sites);
        skipped = List.copyOf(skipped);
    }

    public Optional<Site> site(String id) { return sites.stream().filter(s -> s.id().equals(id)).findFirst(); }

    public List<Site> ofPair(Pair pair) { return sites.stream().filter(s -> s.pair() == pair).toList(); }
}
