package dev.wisca.hooks;

import dev.wisca.rescale.solve.SiteReport;
import dev.wisca.hooks.protocol.Messages.SkippedEntry;
import java.util.List;
import java.util.Map;

/**
 * What one hook call did.
 *
 * @param step          the training step it ran at
 * @param sites         the solver's report per site, all stages
 * @param skipped       sites asked for but absent from this model, with reasons
 * @param factors       the applied factors per tensor (rows, cols), products over all stages
 * @param moments       what the store did with each scaled tensor's optimizer moments
 */
public record HookReport(long step, List<SiteReport> sites, List<SkippedEntry> skipped,
                         Map<String, AppliedFactors> factors, Map<String, MomentUpdate> moments) {
    public HookReport {
        sites = List.copyOf(sites);
        skipped = List.copyOf(skipped);
        factors = Map.copyOf(factors);
        moments = Map.copyOf(moments);
    }

    /** The product of a tensor's factors over all stages. */
    public record AppliedFactors(double[] rows, double[] cols, boolean offsetGain) {}

    public long momentsReset() { return moments.values().stream().filter(m -> m == MomentUpdate.RESET).count(); }
}
