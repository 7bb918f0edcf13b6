package dev.wisca.rescale.forward;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;

/** Validation of token batches shared by the implementations. */
public final class TokenChecks {
    /**
     * The most output values (sequences × tokens × logits per position) one forward pass returns: 2^27, 1 GiB
     * of f64, a thousand positions of a 128k vocabulary. Full verify holds two such sets and measures a third;
     * and past 2^28 values DJL cannot hand the logits over in one buffer.
     */
    public static final long MAX_OUTPUTS = 1L << 27;

    private TokenChecks() {}

    /**
     * Checks {@code tokens} is a non-empty rectangle of ids in [0, vocab) that the model can attend over, whose
     * outputs fit {@link #MAX_OUTPUTS}.
     */
    public static void check(int[][] tokens, ForwardConfig c) {
        if (tokens.length == 0 || tokens[0].length == 0) throw bad("no tokens");
        int length = tokens[0].length;
        long outputs = (long) tokens.length * length * c.outputWidth();
        if (outputs > MAX_OUTPUTS) {
            throw bad(tokens.length + " sequences × " + length + " tokens × " + c.outputWidth() + " outputs per position are "
                + outputs + " values, more than a forward pass returns (" + MAX_OUTPUTS + "); lower setting 'sequences' or setting 'tokens'");
        }
        for (int[] seq : tokens) {
            if (seq.length != length) throw bad("sequences differ in length (" + length + " and " + seq.length + ")");
            for (int t : seq) if (t < 0 || t >= c.vocab()) throw bad("token id " + t + " outside the vocabulary [0, " + c.vocab() + ")");
        }
    }

    private static WiscaException bad(String what) {
        return new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null, what);
    }
}
