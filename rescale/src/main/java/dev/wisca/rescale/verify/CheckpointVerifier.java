package dev.wisca.rescale.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.rescale.spec.SpecLibrary;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@link Verifier} on paths: opens both checkpoints (file, folder or sharded folder) with their
 * config.json and, when given, their PEFT adapter folders (adapter_model.safetensors +
 * adapter_config.json), verifies, and closes everything.
 */
public final class CheckpointVerifier {
    private static final String ADAPTER_CONFIG = "adapter_config.json";

    private CheckpointVerifier() {}

    public static VerifyReport verify(Path a, Path b, Optional<Path> adapterA, Optional<Path> adapterB, VerifyOptions options,
                                      SpecLibrary library, Optional<ForwardProvider> forward) {
        List<Checkpoint> open = new ArrayList<>();
        try {
            ModelInput x = input(a, adapterA, open);
            ModelInput y = input(b, adapterB, open);
            return Checkpoint.guarded(open, () -> Verifier.verify(x, y, options, library, forward));
        } finally {
            for (Checkpoint c : open) c.close();
        }
    }

    /** Probe mode with the built-in specs, no adapters. */
    public static VerifyReport verify(Path a, Path b, VerifyOptions options) {
        return verify(a, b, Optional.empty(), Optional.empty(), options, SpecLibrary.builtin(), Optional.empty());
    }

    private static ModelInput input(Path path, Optional<Path> adapter, List<Checkpoint> open) {
        Checkpoint base = Checkpoint.open(path);
        open.add(base);
        JsonNode config = base.configJson().orElseThrow(() -> new WiscaException(ErrorKind.INVALID_CONFIG, path, null,
            "no config.json in " + base.folder() + "; verify needs it to know the architecture"));
        ModelInput in = ModelInput.of(base, config);
        if (adapter.isEmpty()) return in;
        Checkpoint lora = Checkpoint.open(adapter.get());
        open.add(lora);
        return in.withAdapter(lora, adapterConfig(lora.folder().resolve(ADAPTER_CONFIG)));
    }

    private static JsonNode adapterConfig(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new WiscaException(ErrorKind.INVALID_CONFIG, file, null, "adapter folder has no " + ADAPTER_CONFIG);
        }
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.INVALID_CONFIG, file, null, "cannot read " + ADAPTER_CONFIG + ": " + e.getMessage());
        }
    }
}
