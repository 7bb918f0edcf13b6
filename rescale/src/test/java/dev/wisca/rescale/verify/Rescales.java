package dev.wisca.rescale.verify;

import dev.wisca.rescale.graph.Granularity;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.graph.Site;
import dev.wisca.rescale.graph.SiteOptions;
import dev.wisca.rescale.graph.SiteSet;
import dev.wisca.rescale.graph.SiteSets;

import java.util.EnumSet;
import java.util.Random;
import java.util.function.Predicate;

/** Correct rescales of a tiny model: every site of the symmetry graph with random exact scales. */
final class Rescales {
    private Rescales() {}

    static SiteSet sites(Tiny t, Granularity granularity) {
        return SiteSets.build(t.binding, new SiteOptions(EnumSet.allOf(Pair.class), granularity));
    }

    /** Real scales e^N(0, 0.5²) on every channel of every site (that {@code keep} accepts). */
    static Tiny real(Tiny original, Granularity granularity, long seed, Predicate<Site> keep) {
        Random r = new Random(seed);
        return scaled(original, granularity, keep, () -> Math.exp(0.5 * r.nextGaussian()));
    }

    /** Power-of-two scales 2^k, k in [-3, 3]. */
    static Tiny powerOfTwo(Tiny original, Granularity granularity, long seed, Predicate<Site> keep) {
        Random r = new Random(seed);
        return scaled(original, granularity, keep, () -> Math.scalb(1.0, r.nextInt(7) - 3));
    }

    private static Tiny scaled(Tiny original, Granularity granularity, Predicate<Site> keep, java.util.function.DoubleSupplier scale) {
        Tiny t = original.copy();
        for (Site s : sites(t, granularity).sites()) {
            if (!keep.test(s)) continue;
            double[] f = new double[s.channels()];
            for (int c = 0; c < f.length; c++) f[c] = scale.getAsDouble();
            t.apply(s, f);
        }
        return t;
    }
}
