package dev.wisca.rescale.stats;

import dev.wisca.io.Dtype;
import dev.wisca.rescale.graph.Member;
import dev.wisca.rescale.graph.Site;
import java.util.List;

/**
 * Statistics of every member of a site, in {@code site.members()} order, with each member's stored dtype.
 */
public record SiteStats(Site site, List<ChannelStats> members, List<Dtype> dtypes) {
    public SiteStats {
        members = List.copyOf(members);
        dtypes = List.copyOf(dtypes);
        if (members.size() != site.members().size() || dtypes.size() != members.size()) {
            throw new IllegalArgumentException(site.id() + ": one statistic and dtype per member expected");
        }
    }

    /** All producers combined. */
    public ChannelStats producers() { return side(true); }

    /** All consumers combined. */
    public ChannelStats consumers() { return side(false); }

    private ChannelStats side(boolean producers) {
        ChannelStats total = ChannelStats.empty(site.channels());
        List<Member> all = site.members();
        for (int m = 0; m < all.size(); m++) {
            if (all.get(m).isProducer() == producers) total = total.merge(members.get(m));
        }
        return total;
    }
}
