package dev.wisca.rescale.verify;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.spec.SpecLibrary;

import java.util.Optional;

/**
 * Proves that checkpoint B computes the same function as checkpoint A (for example B = A after
 * {@code wisca rescale}), within the rounding that storing the rescaled weights allows.
 * <ul>
 * <li>{@link VerifyOptions.Mode#PROBES}: per-block random probes through every place a rescale can
 * act (attention scores per head with RoPE, value/output per head, gated MLPs per expert, routers,
 * final norm → lm_head, LoRA B·A), plus bit-identity of every tensor no site touches. Cost linear in
 * the touched weights, no forward pass; names the worst and the first offending block.</li>
 * <li>{@link VerifyOptions.Mode#FULL}: logits of both models on seeded token sequences, through a
 * {@link ForwardProvider}.</li>
 * </ul>
 * Bad input (different architectures, mismatching configs, unreadable dtypes) throws
 * {@link WiscaException}; a failed check is a report with {@code equivalent = false}.
 */
public final class Verifier {
    private Verifier() {}

    /** Probe mode with the built-in specs (full mode needs {@link #verify(ModelInput, ModelInput, VerifyOptions, SpecLibrary, Optional)}). */
    public static VerifyReport verify(ModelInput a, ModelInput b, VerifyOptions options) {
        return verify(a, b, options, SpecLibrary.builtin(), Optional.empty());
    }

    public static VerifyReport verify(ModelInput a, ModelInput b, VerifyOptions options, SpecLibrary library, Optional<ForwardProvider> forward) {
        return switch (options.mode()) {
            case PROBES -> ProbeVerifier.run(a, b, options, library);
            case FULL -> FullVerifier.run(a, b, options, library, forward.orElseThrow(() -> new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null,
                "full verification needs a forward pass; none is available here, use setting 'probesOnly'")));
        };
    }
}
