package dev.wisca.samples.experiment;

import java.util.List;

/** What one arm × seed produced. */
public final class Curves {
    private Curves() {}

    /** A logged point: training loss of that step's batch, or validation loss over the fixed windows. */
    public record Point(String arm, int seed, String split, long step, double loss, double seconds) {}

    /**
     * A rescale: outputs before vs after on a fixed probe batch (max |Δlogit| and max |Δlogit| / max |logit|),
     * the balance measured independently afterwards (max over sites of |ln(N_mul / N_div)|, L1), and the
     * applied scales (per site: geometric mean, min, max).
     */
    public record Event(String arm, int seed, long step, double maxAbsDiff, double maxRelDiff, double imbalanceBefore,
                        double imbalanceAfter, int sites, String scales, String moments) {}

    /** The curves and events of one run, its wall time and final numbers. */
    public record Run(String arm, int seed, List<Point> points, List<Event> events, double seconds,
                      double finalTrainLoss, double finalValLoss) {}
}
