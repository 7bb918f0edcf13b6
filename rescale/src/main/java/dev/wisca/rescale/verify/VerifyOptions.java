package dev.wisca.rescale.verify;

import dev.wisca.io.WiscaException;
import dev.wisca.rescale.forward.Precision;

import java.util.Objects;
import java.util.OptionalDouble;

/**
 * What {@link Verifier} runs.
 *
 * @param mode      {@link Mode#FULL}: logits of both models on the same seeded token sequences;
 *                  {@link Mode#PROBES}: per-block random probes, cost linear in the touched weights, no forward pass
 * @param tokens    tokens per sequence (full mode); long enough for RoPE to rotate beyond position 0
 * @param sequences sequences (full mode)
 * @param atol      user absolute tolerance; with {@code rtol} replaces the dtype-derived default
 * @param rtol      user relative tolerance (relative to the largest |output| of a block, or |logit|)
 * @param seed      seed of the probe vectors, positions and tokens
 * @param precision compute precision of the full-mode forward pass
 */
public record VerifyOptions(Mode mode, int tokens, int sequences, OptionalDouble atol, OptionalDouble rtol, long seed, Precision precision) {
    public enum Mode { FULL, PROBES }

    public static final int DEFAULT_TOKENS = 16;
    public static final int DEFAULT_SEQUENCES = 3;
    public static final long DEFAULT_SEED = 20250822L;

    public VerifyOptions {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(atol, "atol");
        Objects.requireNonNull(rtol, "rtol");
        Objects.requireNonNull(precision, "precision");
        if (tokens < 2) throw WiscaException.invalidArgument("setting 'tokens' must be at least 2 (RoPE needs positions beyond 0), got " + tokens);
        if (sequences < 1) throw WiscaException.invalidArgument("setting 'sequences' must be at least 1, got " + sequences);
        if (atol.isPresent() && !(atol.getAsDouble() >= 0)) throw WiscaException.invalidArgument("setting 'atol' must be >= 0");
        if (rtol.isPresent() && !(rtol.getAsDouble() >= 0)) throw WiscaException.invalidArgument("setting 'rtol' must be >= 0");
    }

    /** Probe mode with the derived tolerance. */
    public static VerifyOptions probes() {
        return new VerifyOptions(Mode.PROBES, DEFAULT_TOKENS, DEFAULT_SEQUENCES, OptionalDouble.empty(), OptionalDouble.empty(), DEFAULT_SEED, Precision.F64);
    }

    /** Full mode (F64) with the derived tolerance. */
    public static VerifyOptions full() {
        return new VerifyOptions(Mode.FULL, DEFAULT_TOKENS, DEFAULT_SEQUENCES, OptionalDouble.empty(), OptionalDouble.empty(), DEFAULT_SEED, Precision.F64);
    }

    public VerifyOptions withTolerance(double atol, double rtol) {
        return new VerifyOptions(mode, tokens, sequences, OptionalDouble.of(atol), OptionalDouble.of(rtol), seed, precision);
    }

    public VerifyOptions withSeed(long seed) { return new VerifyOptions(mode, tokens, sequences, atol, rtol, seed, precision); }

    public VerifyOptions withTokens(int tokens, int sequences) { return new VerifyOptions(mode, tokens, sequences, atol, rtol, seed, precision); }

    /** Whether the user gave a tolerance (either part; the other defaults to 0). */
    public boolean userTolerance() { return atol.isPresent() || rtol.isPresent(); }

    /** The user's tolerance, or {@code fallback}. */
    Tolerance tolerance(Tolerance fallback) {
        return userTolerance() ? new Tolerance.Fixed(atol.orElse(0), rtol.orElse(0)) : fallback;
    }
}
