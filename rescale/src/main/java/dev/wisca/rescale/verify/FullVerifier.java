package dev.wisca.rescale.verify;

import dev.wisca.rescale.forward.Precision;
import dev.wisca.rescale.spec.Roles;
import dev.wisca.rescale.spec.SpecLibrary;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.SplittableRandom;

/**
 * Full mode: both models' logits on the same seeded token sequences, compared per sequence, with
 * top-1 agreement; then the untouched-tensor bit check. The default tolerance is relative to the
 * largest |logit| of a sequence: {@code rtol = 16 · u · sqrt(2L + 1)} with u the largest roundoff of
 * any tensor pair (2^-(m_A+1) + 2^-(m_B+1)) and L layers (each layer adds two rounded blocks to the
 * residual stream), plus the compute precision's own noise (1e-12 in F64, 1e-5 in F32).
 */
final class FullVerifier {
    private FullVerifier() {}

    static VerifyReport run(ModelInput a, ModelInput b, VerifyOptions options, SpecLibrary library, ForwardProvider forward) {
        BoundPair pair = BoundPair.of(a, b, library);
        int vocab = pair.a().dims().count(Roles.DIM_VOCAB);
        int[][] tokens = tokens(vocab, options);
        double[][][] la = forward.open(a, options.precision()).logits(tokens);
        double[][][] lb = forward.open(b, options.precision()).logits(tokens);
        double floor = options.precision() == Precision.F64 ? 1e-12 : 1e-5;
        double rtol = 16 * pair.roundoff().max() * Math.sqrt(2.0 * pair.a().layers() + 1) + floor;
        Tolerance tolerance = options.tolerance(new Tolerance.Fixed(0, rtol));
        String rule = options.userTolerance() ? tolerance.describe() : String.format(Locale.ROOT,
            "derived from stored dtypes: |Δlogit| ≤ rtol·max|logit| per sequence, rtol = 16·u·sqrt(2L+1) + %.0e = %.3g "
                + "(u = %.3g = largest 2^-(m_A+1) + 2^-(m_B+1), L = %d)", floor, rtol, pair.roundoff().max(), pair.a().layers());
        rule += " (" + BoundPair.dtypes(a.tensors().tensors(), b.tensors().tensors()) + ", compute " + options.precision() + ")";
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
        blocks.add(UntouchedCheck.run("", a.tensors(), b.tensors(), pair.touched()));
        return VerifyReport.of(VerifyOptions.Mode.FULL, pair.spec().name(), OptionalDouble.of((double) agree / positions), rule, blocks);
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
