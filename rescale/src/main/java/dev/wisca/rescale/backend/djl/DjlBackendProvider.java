package dev.wisca.rescale.backend.djl;

import dev.wisca.io.WiscaException;
import dev.wisca.rescale.backend.Backend;
import dev.wisca.rescale.backend.BackendProvider;
import java.util.List;

/**
 * The DJL devices: {@code djl} (a GPU when PyTorch sees one, else the CPU), {@code djl-cpu} and
 * {@code gpu} (refused when no GPU is visible). DJL is loaded only by {@link #open}.
 */
public final class DjlBackendProvider implements BackendProvider {
    public static final String DJL = "djl";
    public static final String DJL_CPU = "djl-cpu";
    public static final String GPU = "gpu";

    @Override
    public List<String> devices() { return List.of(GPU, DJL, DJL_CPU); }

    @Override
    public Backend open(String device) {
        return switch (device) {
            case GPU -> DjlBackend.gpu();
            case DJL -> DjlBackend.preferGpu();
            case DJL_CPU -> DjlBackend.cpu();
            default -> throw WiscaException.invalidArgument("not a DJL device: " + device);
        };
    }
}
