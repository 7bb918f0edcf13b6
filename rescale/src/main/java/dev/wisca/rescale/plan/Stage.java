package dev.wisca.rescale.plan;

import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.graph.Site;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The fixed order in which sites are solved. A later stage's statistics see the factors of the
 * earlier stages applied on the fly, so interacting sites (a norm fold scales q's columns, QK then
 * scales q's rows) are solved once each, without iterating. Sites within one stage are independent:
 * they touch different tensors, or different indices along the same axis.
 *
 * <ol>
 *   <li>{@link #NORM}: norm gains folded into (or balanced against) the following linears' columns;</li>
 *   <li>{@link #ATTENTION}: QK, QK-norm gains, VO, LoRA — rows of q/k/v, columns of o, A rows and B columns;</li>
 *   <li>{@link #MLP}: up/down, whose up columns carry the post-attention norm fold.</li>
 * </ol>
 */
public enum Stage {
    NORM(List.of(Pair.NORM)),
    ATTENTION(List.of(Pair.QK, Pair.QKNORM, Pair.VO, Pair.LORA)),
    MLP(List.of(Pair.UPDOWN));

    private final List<Pair> pairs;

    Stage(List<Pair> pairs) { this.pairs = pairs; }

    public List<Pair> pairs() { return pairs; }

    public static Stage of(Pair pair) {
        for (Stage s : values()) if (s.pairs.contains(pair)) return s;
        throw new IllegalArgumentException("no stage for " + pair);
    }

    /** {@code sites} by stage, in solving order, each list in the sites' order; stages without a site are left out. */
    public static Map<Stage, List<Site>> group(List<Site> sites) {
        Map<Stage, List<Site>> out = new EnumMap<>(Stage.class);
        for (Stage stage : values()) {
            List<Site> stageSites = sites.stream().filter(s -> of(s.pair()) == stage).toList();
            if (!stageSites.isEmpty()) out.put(stage, stageSites);
        }
        return out;
    }
}
