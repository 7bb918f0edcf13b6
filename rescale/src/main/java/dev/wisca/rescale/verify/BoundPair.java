package dev.wisca.rescale.verify;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.graph.Granularity;
import dev.wisca.rescale.graph.Member;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.graph.Site;
import dev.wisca.rescale.graph.SiteOptions;
import dev.wisca.rescale.graph.SiteSet;
import dev.wisca.rescale.graph.SiteSets;
import dev.wisca.rescale.spec.ArchSpec;
import dev.wisca.rescale.spec.ModelBinding;
import dev.wisca.rescale.spec.SpecLibrary;

import java.util.EnumSet;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A and B bound to one spec with equal dims, plus every site any rescale could apply (all pairs,
 * per channel): the sites say which tensors may change and which norm feeds which linear.
 */
record BoundPair(ArchSpec spec, ModelBinding a, ModelBinding b, SiteSet sites, Roundoff roundoff) {
    static BoundPair of(ModelInput a, ModelInput b, SpecLibrary library) {
        ArchSpec spec = library.specFor(a.config());
        ArchSpec specB = library.specFor(b.config());
        if (!spec.name().equals(specB.name())) {
            throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null, "A is a " + spec.name() + " checkpoint but B is a " + specB.name()
                + " checkpoint; verify compares two checkpoints of one architecture");
        }
        ModelBinding ba = ModelBinding.bind(spec, a.config(), a.tensors().tensors());
        ModelBinding bb = ModelBinding.bind(spec, b.config(), b.tensors().tensors());
        for (Map.Entry<String, Double> e : ba.dims().asMap().entrySet()) {
            Double other = bb.dims().asMap().get(e.getKey());
            if (!Objects.equals(e.getValue(), other)) {
                throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null, "config.json of A and B disagree on " + e.getKey() + " ("
                    + e.getValue() + " vs " + other + "); they are not the same architecture");
            }
        }
        SiteSet sites = SiteSets.build(ba, new SiteOptions(EnumSet.allOf(Pair.class), Granularity.CHANNEL));
        return new BoundPair(spec, ba, bb, sites, new Roundoff(a.tensors().tensors(), b.tensors().tensors()));
    }

    /** Stored names of every tensor some site may scale. */
    Set<String> touched() {
        Set<String> names = new HashSet<>();
        for (Site s : sites.sites()) for (Member m : s.members()) names.add(m.tensor());
        return names;
    }

    /** "A F32, B BF16" style list of the dtypes on each side. */
    static String dtypes(Iterable<TensorInfo> a, Iterable<TensorInfo> b) {
        Set<String> da = new TreeSet<>();
        Set<String> db = new TreeSet<>();
        a.forEach(t -> da.add(t.dtype().name()));
        b.forEach(t -> db.add(t.dtype().name()));
        return "A " + String.join("/", da) + ", B " + String.join("/", db);
    }
}
