package dev.wisca.rescale.graph;

import java.util.List;

/**
 * A channel space {@code c = 0 .. channels-1} shared by producer members (× s_c) and consumer
 * members (÷ s_c). Function-preserving by construction of the spec: producers' outputs for
 * channel c meet only consumers' inputs for channel c.
 *
 * @param id       stable, human-readable name, e.g. {@code layers.3.qk} or {@code layers.3.experts.5.updown}
 * @param pair     kind of site
 * @param layer    layer index, or -1 for sites outside layers
 * @param channels number of independent scales
 * @param members  producers and consumers
 */
public record Site(String id, Pair pair, int layer, int channels, List<Member> members) {
    public Site {
        members = List.copyOf(members);
    }

    public List<Member> producers() { return members.stream().filter(Member::isProducer).toList(); }

    public List<Member> consumers() { return members.stream().filter(m -> !m.isProducer()).toList(); }
}
