package dev.wisca.hooks.protocol;

import dev.wisca.rescale.RescaleSettings;
import dev.wisca.hooks.protocol.Messages.OptionsEntry;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.graph.Granularity;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.graph.SiteOptions;
import dev.wisca.rescale.solve.Pow2Mode;
import dev.wisca.rescale.solve.SolverOptions;
import dev.wisca.rescale.stats.Norm;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Converts the options of a describe request to the engine's, and back; absent fields take the defaults. */
public final class OptionsConverter {
    private OptionsConverter() {}

    public static RescaleSettings parse(OptionsEntry entry) {
        RescaleSettings defaults = RescaleSettings.paper();
        if (entry == null) return defaults;
        try {
            Set<Pair> pairs = entry.pairs() == null ? defaults.sites().pairs() : pairs(entry.pairs());
            Granularity granularity = entry.granularity() == null ? defaults.sites().granularity() : Granularity.parse(entry.granularity());
            SolverOptions s = defaults.solver();
            if (entry.norm() != null) s = s.withNorm(Norm.parse(entry.norm()));
            if (entry.alpha() != null) s = s.withAlpha(entry.alpha());
            if (entry.pow2() != null) s = s.withPow2(Pow2Mode.valueOf(entry.pow2().trim().toUpperCase(Locale.ROOT)));
            if (entry.foldNorms() != null) s = s.withFoldNorms(entry.foldNorms());
            if (entry.minScale() != null || entry.maxScale() != null) {
                s = s.withClamp(entry.minScale() == null ? s.minScale() : entry.minScale(),
                    entry.maxScale() == null ? s.maxScale() : entry.maxScale());
            }
            if (entry.targetRatio() != null) s = s.withTargetRatio(entry.targetRatio());
            return RescaleSettings.paper().withSites(new SiteOptions(pairs, granularity)).withSolver(s);
        } catch (IllegalArgumentException e) {
            throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null, "bad options: " + e.getMessage());
        }
    }

    /** The entry a client sends for {@code options}: every field set. */
    public static OptionsEntry entry(RescaleSettings options) {
        SolverOptions s = options.solver();
        return new OptionsEntry(options.sites().pairs().stream().sorted().map(Pair::cliName).toList(),
            options.sites().granularity().cliName(), s.norm().cliName(), s.alpha(),
            s.pow2().name().toLowerCase(Locale.ROOT), s.foldNorms(), s.minScale(), s.maxScale(), s.targetRatio());
    }

    private static Set<Pair> pairs(List<String> names) {
        if (names.isEmpty()) throw WiscaException.invalidArgument("pairs is empty: name at least one of qk, vo, updown, norm, lora, qknorm");
        Set<Pair> out = EnumSet.noneOf(Pair.class);
        for (String n : names) out.add(Pair.parse(n));
        return out;
    }
}
