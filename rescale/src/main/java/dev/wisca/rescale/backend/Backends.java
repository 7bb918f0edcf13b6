package dev.wisca.rescale.backend;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.backend.cpu.CpuBackend;
import dev.wisca.rescale.backend.cpu.ScalarBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Backends by device name: {@code cpu} (the pure-Java default) and {@code scalar} (its plain-loop
 * reference) are built in; others ({@code djl}, {@code djl-cpu}, {@code gpu}) come from a
 * {@link BackendProvider}, so a native engine is loaded only when its device is asked for.
 */
public final class Backends {
    public static final String CPU = "cpu";
    public static final String SCALAR = "scalar";

    private Backends() {}

    /** The backend for {@code device} (case-insensitive). */
    public static Backend of(String device) {
        String name = device.strip().toLowerCase(Locale.ROOT);
        return switch (name) {
            case CPU -> CpuBackend.checked();
            case SCALAR -> ScalarBackend.INSTANCE;
            default -> open(name, device);
        };
    }

    /** Whether {@code device} names a backend (without starting it). */
    public static boolean isKnown(String device) {
        return names().contains(device.strip().toLowerCase(Locale.ROOT));
    }

    /** Every device name, built-in first. */
    public static List<String> names() {
        List<String> names = new ArrayList<>(List.of(CPU, SCALAR));
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) names.addAll(p.devices());
        return names;
    }

    private static Backend open(String name, String asked) {
        BackendProvider provider = provider(name).orElseThrow(() -> new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null,
            "unknown device '" + asked + "': choose one of " + String.join(", ", names())));
        try {
            return provider.open(name);
        } catch (LinkageError e) {
            throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null,
                "device '" + asked + "' is not usable: its engine classes or native library did not load (" + e + ")", e);
        }
    }

    private static Optional<BackendProvider> provider(String name) {
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            if (p.devices().contains(name)) return Optional.of(p);
        }
        return Optional.empty();
    }
}
