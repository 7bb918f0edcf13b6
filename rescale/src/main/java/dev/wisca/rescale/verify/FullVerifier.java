package dev.wisca.rescale.verify;

import dev.wisca.rescale.forward.Precision;
import dev.wisca.rescale.spec.Roles;
import dev.wisca.rescale.spec.SpecLibrary;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * Full mode: both models' logits on the same seeded token sequences, compared per sequence, with
 * top-1 agreement; then every probe block of {@link ProbeVerifier} and the untouched-tensor bit check. The forward pass must read every tensor of
 * both checkpoints (and adapters), else UNCLAIMED_TENSOR: verify does not certify what it did not
 * compute with. The default tolerance is measured ({@link MeasuredTolerance}): A's logits again with
 * the tensors that differ between A and B perturbed by their dtype's rounding.
 */
final class FullVerifier {
    private FullVerifier() {}

    static VerifyReport run(ModelInput a, ModelInput b, VerifyOptions options, SpecLibrary library, ForwardProvider forward) {
        BoundPair pair = BoundPair.of(a, b, library);
        int vocab = pair.a().dims().count(Roles.DIM_VOCAB);
        int[][] tokens = tokens(vocab, options);
        String family = pair.spec().name();
        ComparedOutput output = ComparedOutput.fullOf(pair.spec());
        double[][][] la = logitsReadingEverything(a, "A", family, forward, options.precision(), tokens, EncoderHeads.unreadAllowed(pair, pair.a()));
        double[][][] lb = logitsReadingEverything(b, "B", family, forward, options.precision(), tokens, EncoderHeads.unreadAllowed(pair, pair.b()));
        double floor = options.precision() == Precision.F64 ? 1e-12 : 1e-5;
        Optional<MeasuredTolerance> measured = options.userTolerance() ? Optional.empty()
            : Optional.of(measure(a, b, forward, options, tokens, la, floor, output));
        Tolerance tolerance = measured.map(MeasuredTolerance::tolerance).orElseGet(() -> options.tolerance(null));
        String rule = measured.map(MeasuredTolerance::describe).orElseGet(tolerance::describe)
            + " (" + BoundPair.dtypes(a.tensors().tensors(), b.tensors().tensors()) + ", compute " + options.precision() + ")";
        List<BlockResult> blocks = new ArrayList<>();
        long agree = 0;
        long positions = 0;
        for (int s = 0; s < tokens.length; s++) {
            BlockOutput x = flatten("sequence " + s, la[s]);
            BlockOutput y = flatten("sequence " + s, lb[s]);
            blocks.add(BlockComparison.compare(x, y, tolerance));
            for (int t = 0; t < la[s].length; t++) {
                positions++;
                if (argmax(la[s][t]) == argmax(lb[s][t])) agree++;
            }
        }
        // The per-block probes as well (their untouched-tensor check included): through a whole network, the rounding of
        // every re-rounded bf16 weight can move the logits as much as one matrix scaled by 1.1 does; inside its own
        // block that matrix stands out by an order of magnitude. A wrong transform must get past both checks.
        VerifyReport probes = ProbeVerifier.run(a, b, options, library);
        blocks.addAll(probes.blocks());
        rule = output.jsonName() + ": " + rule + "; blocks: " + probes.tolerance();
        // top-1 agreement is a next-token notion: an encoder's hidden state has no token to agree on
        OptionalDouble argmax = output == ComparedOutput.LOGITS ? OptionalDouble.of((double) agree / positions) : OptionalDouble.empty();
        return VerifyReport.of(VerifyOptions.Mode.FULL, family, argmax, rule, blocks, measured, output);
    }

    /** The logits of {@code model}; UNCLAIMED_TENSOR when its forward pass left a tensor (or adapter tensor) unread. */
    private static double[][][] logitsReadingEverything(ModelInput model, String side, String family, ForwardProvider forward,
                                                        Precision precision, int[][] tokens, Predicate<String> unreadAllowed) {
        ReadTrackingSource weights = new ReadTrackingSource(model.tensors());
        Optional<ReadTrackingSource> adapter = model.adapter().map(x -> new ReadTrackingSource(x.tensors()));
        ModelInput tracked = new ModelInput(weights, model.config(),
            model.adapter().map(x -> new ModelInput.Adapter(adapter.orElseThrow(), x.config())));
        double[][][] logits = forward.open(tracked, precision).logits(tokens);
        weights.requireAllRead(side, family, unreadAllowed);
        adapter.ifPresent(x -> x.requireAllRead("the adapter of " + side, family));
        return logits;
    }

    /**
     * The largest |Δlogit| between A and A with its changed tensors perturbed, over
     * {@link MeasuredTolerance#SEEDS} seeds (none when nothing changed: identical weights compute identically).
     */
    private static MeasuredTolerance measure(ModelInput a, ModelInput b, ForwardProvider forward, VerifyOptions options, int[][] tokens,
                                             double[][][] la, double floor, ComparedOutput output) {
        ChangedTensors weights = ChangedTensors.between(a.tensors(), b.tensors());
        ChangedTensors adapter = a.adapter().isPresent() && b.adapter().isPresent()
            ? ChangedTensors.between(a.adapter().get().tensors(), b.adapter().get().tensors()) : new ChangedTensors(Map.of());
        ChangedTensors all = new ChangedTensors(merge(weights, adapter));
        double deviation = 0;
        if (!all.isEmpty()) {
            SplittableRandom seeds = new SplittableRandom(options.seed() ^ 0x5DEECE66DL);
            for (int i = 0; i < MeasuredTolerance.SEEDS; i++) {
                long seed = seeds.nextLong();
                ModelInput perturbed = new ModelInput(new RoundingPerturbation(a.tensors(), weights.relative(), seed), a.config(),
                    a.adapter().map(x -> new ModelInput.Adapter(new RoundingPerturbation(x.tensors(), adapter.relative(), seed + 1), x.config())));
                double[][][] lp = forward.open(perturbed, options.precision()).logits(tokens);
                deviation = Math.max(deviation, maxDifference(la, lp));
            }
        }
        return MeasuredTolerance.of(all, deviation, floor, output);
    }

    /** Both lists in one, for the count and the largest u (adapter names prefixed: they may repeat base names). */
    private static Map<String, Double> merge(ChangedTensors x, ChangedTensors y) {
        Map<String, Double> m = new LinkedHashMap<>(x.relative());
        y.relative().forEach((k, v) -> m.put("adapter:" + k, v));
        return m;
    }

    private static double maxDifference(double[][][] x, double[][][] y) {
        double d = 0;
        for (int s = 0; s < x.length; s++) {
            for (int t = 0; t < x[s].length; t++) {
                for (int v = 0; v < x[s][t].length; v++) d = Math.max(d, BlockComparison.difference(x[s][t][v], y[s][t][v]));
            }
        }
        return d;
    }

    /** {@code options.sequences()} sequences of {@code options.tokens()} ids uniform in [0, vocab), from the seed. */
    static int[][] tokens(int vocab, VerifyOptions options) {
        SplittableRandom random = new SplittableRandom(options.seed());
        int[][] out = new int[options.sequences()][options.tokens()];
        for (int[] seq : out) for (int t = 0; t < seq.length; t++) seq[t] = random.nextInt(vocab);
        return out;
    }

    private static BlockOutput flatten(String name, double[][] logits) {
        int n = 0;
        for (double[] row : logits) n += row.length;
        double[] v = new double[n];
        int at = 0;
        for (double[] row : logits) {
            System.arraycopy(row, 0, v, at, row.length);
            at += row.length;
        }
        return new BlockOutput(name, -1, v, new double[n]);
    }

    static int argmax(double[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
        return best;
    }
}
