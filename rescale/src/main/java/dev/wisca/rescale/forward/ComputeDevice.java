package dev.wisca.rescale.forward;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;

import java.util.Locale;

/** Where a forward pass runs. */
public enum ComputeDevice {
    CPU,
    /** The first GPU the engine finds; an error when it finds none. */
    GPU;

    /** Parses {@code cpu} or {@code gpu} (any case); INVALID_ARGUMENT otherwise. */
    public static ComputeDevice parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "cpu" -> CPU;
            case "gpu", "cuda" -> GPU;
            default -> throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null, "unknown device '" + s + "' (expected cpu or gpu)");
        };
    }
}
