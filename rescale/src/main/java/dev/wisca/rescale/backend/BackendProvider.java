package dev.wisca.rescale.backend;

import java.util.List;

/**
 * A pluggable family of backends, found with {@link java.util.ServiceLoader} (listed in
 * {@code META-INF/services}). Implementations keep heavy classes (native engines) out of their
 * constructor so that listing the providers loads nothing but the provider itself.
 */
public interface BackendProvider {
    /** The device names this provider answers, e.g. {@code gpu}, {@code djl}. */
    List<String> devices();

    /**
     * Starts a backend for one of {@link #devices()}.
     *
     * @throws dev.wisca.io.WiscaException INVALID_ARGUMENT when the device is not usable here
     */
    Backend open(String device);
}
