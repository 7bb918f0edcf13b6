package dev.wisca.sdk.oracle;

import dev.wisca.rescale.graph.Granularity;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.solve.Pow2Mode;
import dev.wisca.rescale.solve.SolverOptions;
import dev.wisca.rescale.stats.Norm;
import dev.wisca.rescale.RescaleSettings;

import java.util.List;

/** The rescalings every fixture goes through: the paper's, then every pair at each granularity and solver mode. */
final class Settings {
    private Settings() {}

    record Named(String name, RescaleSettings settings) {}

    static final Pair[] ALL = {Pair.QK, Pair.VO, Pair.UPDOWN, Pair.NORM};

    static List<Named> all() {
        RescaleSettings base = RescaleSettings.paper().withParallelism(1);
        RescaleSettings every = base.withPairs(Pair.QK, Pair.VO, Pair.UPDOWN, Pair.NORM);
        SolverOptions solver = SolverOptions.defaults();
        return List.of(
            new Named("paper(qk,vo/tensor)", base),
            new Named("all/tensor", every.withGranularity(Granularity.TENSOR)),
            new Named("all/kv-group", every.withGranularity(Granularity.KV_GROUP)),
            new Named("all/channel", every.withGranularity(Granularity.CHANNEL)),
            new Named("all/channel/balanced-norms/l2", every.withGranularity(Granularity.CHANNEL)
                .withSolver(solver.withFoldNorms(false).withNorm(Norm.L2))),
            new Named("all/channel/pow2/max", every.withGranularity(Granularity.CHANNEL)
                .withSolver(solver.withPow2(Pow2Mode.ON).withNorm(Norm.MAX))),
            new Named("all/channel/no-pow2", every.withGranularity(Granularity.CHANNEL).withSolver(solver.withPow2(Pow2Mode.OFF))));
    }

    /** The paper's, every pair at kv-group and channel granularity, and per channel with real (not power-of-two) scales. */
    static List<Named> main() { List<Named> a = all(); return List.of(a.get(0), a.get(2), a.get(3), a.get(6)); }

    /** {@link #main()} without real-valued scales. */
    static List<Named> mainPow2() { return main().subList(0, 3); }

    /** The paper's and every pair per channel. */
    static List<Named> few() { List<Named> a = all(); return List.of(a.get(0), a.get(3)); }

    /** LoRA A/B per rank (the only pair an adapter has). */
    static Named lora() { return new Named("lora/channel", RescaleSettings.paper().withParallelism(1).withPairs(Pair.LORA)); }

    /** The setting undo and the negative control run with. */
    static Named undoSetting() { return all().get(3); }
}
