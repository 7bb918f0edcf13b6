package dev.wisca.rescale.verify;

import dev.wisca.rescale.forward.Precision;

/**
 * Builds the forward pass of one side for the full-mode check. The rescale engine's forward
 * package provides the real one; tests may pass any implementation.
 */
@FunctionalInterface
public interface ForwardProvider {
    /** A logits source for {@code model} (with its adapter, if any), computing in {@code precision}. */
    LogitsSource open(ModelInput model, Precision precision);
}
