package dev.wisca.rescale.forward;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;

/** Validation of token batches shared by the implementations. */
public final class TokenChecks {
    private TokenChecks() {}

    /** Checks {@code tokens} is a non-empty rectangle of ids in [0, vocab) that the model can attend over. */
    public static void check(int[][] tokens, ForwardConfig c) {
        if (tokens.length == 0 || tokens[0].length == 0) throw bad("no tokens");
        int length = tokens[0].length;
        for (int[] seq : tokens) {
            if (seq.length != length) throw bad("sequences differ in length (" + length + " and " + seq.length + ")");
            for (int t : seq) if (t < 0 || t >= c.vocab()) throw bad("token id " + t + " outside the vocabulary [0, " + c.vocab() + ")");
        }
    }

    private static WiscaException bad(String what) {
        return new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null, what);
    }
}
