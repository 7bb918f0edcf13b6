package dev.wisca.rescale.forward;

import dev.wisca.io.WiscaException;
import java.util.SplittableRandom;

/** Deterministic token sequences for comparing two models' outputs. */
public final class ProbeInputs {
    /** Sequences per probe batch by default. */
    public static final int DEFAULT_SEQUENCES = 3;
    /** Tokens per sequence by default: long enough for RoPE to rotate well past position 0. */
    public static final int DEFAULT_LENGTH = 16;

    private ProbeInputs() {}

    /**
     * {@code sequences} sequences of {@code length} token ids uniform in [0, vocab), the same for the
     * same arguments on every JVM.
     */
    public static int[][] tokens(int vocab, int sequences, int length, long seed) {
        if (vocab <= 0 || sequences <= 0 || length <= 0) {
            throw WiscaException.invalidArgument("vocab, sequences and length must be positive: " + vocab + ", " + sequences + ", " + length);
        }
        SplittableRandom random = new SplittableRandom(seed);
        int[][] out = new int[sequences][length];
        for (int[] seq : out) {
            for (int t = 0; t < length; t++) seq[t] = random.nextInt(vocab);
        }
        return out;
    }

    /** {@link #DEFAULT_SEQUENCES} × {@link #DEFAULT_LENGTH} tokens. */
    public static int[][] tokens(int vocab, long seed) { return tokens(vocab, DEFAULT_SEQUENCES, DEFAULT_LENGTH, seed); }
}
