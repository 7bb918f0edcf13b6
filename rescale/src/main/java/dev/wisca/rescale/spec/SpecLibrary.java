package dev.wisca.rescale.spec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.lora.LoraSpec;
import dev.wisca.rescale.lora.LoraSpecJson;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The architecture specs wisca knows: the built-ins, one JSON file per family in the {@code specs}
 * resource folder (adding one is dropping its file there; the folder is scanned). Picks a checkpoint's
 * spec by config.json's {@code model_type}, or as the user chose ({@link SpecChoice}: another family, a spec file).
 */
public final class SpecLibrary {
    static final String RESOURCE_DIR = "/dev/wisca/rescale/specs/";

    private final Map<String, ArchSpec> specs;
    private final LoraSpec lora;
    private final Optional<ArchSpec> chosen;

    private SpecLibrary(Map<String, ArchSpec> specs, LoraSpec lora, Optional<ArchSpec> chosen) {
        this.specs = specs;
        this.lora = lora;
        this.chosen = chosen;
    }

    /** The built-in specs: every JSON file in the specs folder. Reads the resources once per call; keep the instance. */
    public static SpecLibrary builtin() {
        Map<String, ArchSpec> specs = new LinkedHashMap<>();
        LoraSpec lora = null;
        Path folder = Path.of("builtin", "specs");
        for (Map.Entry<String, byte[]> file : ResourceFolder.jsonFiles(SpecLibrary.class.getResource(RESOURCE_DIR), folder).entrySet()) {
            Path source = folder.resolve(file.getKey());
            JsonNode tree = SpecReader.tree(new ByteArrayInputStream(file.getValue()), source, ErrorKind.INVALID_SPEC);
            if (tree.has("peft_type")) {
                if (lora != null) throw new WiscaException(ErrorKind.INVALID_SPEC, source, null, "second LoRA adapter spec");
                lora = LoraSpec.of(SpecReader.bind(tree, source, LoraSpecJson.class), source);
            } else {
                ArchSpec spec = ArchSpec.of(SpecReader.bind(tree, source, SpecJson.class), source);
                if (specs.put(spec.name(), spec) != null) {
                    throw new WiscaException(ErrorKind.INVALID_SPEC, source, null, "second spec for model_type " + spec.name());
                }
            }
        }
        if (lora == null) throw new WiscaException(ErrorKind.INVALID_SPEC, folder, null, "no LoRA adapter spec");
        return new SpecLibrary(specs, lora, Optional.empty());
    }

    /** Reads a user spec file (INVALID_SPEC on any problem, naming the file and key). */
    public static ArchSpec load(Path file) { return SpecReader.read(file); }

    /**
     * This library binding every checkpoint with {@code choice}: a user's file is read now (INVALID_SPEC
     * naming it), a family must be one of the built-ins (UNKNOWN_ARCHITECTURE listing them).
     */
    public SpecLibrary choosing(SpecChoice choice) {
        Optional<ArchSpec> fixed = switch (choice) {
            case SpecChoice.ByModelType b -> Optional.empty();
            case SpecChoice.Family f -> Optional.of(get(f.family()).orElseThrow(() -> new WiscaException(
                ErrorKind.UNKNOWN_ARCHITECTURE, null, null, "--as " + f.family() + ": no such family; known: " + known())));
            case SpecChoice.File f -> Optional.of(load(f.file()));
        };
        return new SpecLibrary(specs, lora, fixed);
    }

    /** Supported model types, in file-name order. */
    public List<String> modelTypes() { return List.copyOf(specs.keySet()); }

    public List<ArchSpec> all() { return List.copyOf(specs.values()); }

    public Optional<ArchSpec> get(String modelType) { return Optional.ofNullable(specs.get(modelType)); }

    /** The PEFT LoRA adapter spec. */
    public LoraSpec lora() { return lora; }

    /**
     * The spec for a checkpoint: the chosen one ({@link #choosing}), else the built-in whose model_type is
     * config.json's. Never a guess from tensor names: a model_type without a spec is refused.
     *
     * @throws WiscaException UNKNOWN_ARCHITECTURE listing the known families
     */
    public ArchSpec specFor(JsonNode config) {
        if (chosen.isPresent()) return chosen.get();
        String modelType = config.path("model_type").asText("");
        ArchSpec spec = specs.get(modelType);
        if (spec != null) return spec;
        String what = modelType.isEmpty() ? "config.json has no model_type" : "model_type '" + modelType + "' has no spec";
        throw new WiscaException(ErrorKind.UNKNOWN_ARCHITECTURE, null, null, what + " (architectures "
            + config.path("architectures") + "); known families: " + known() + ". wisca does not guess from tensor names:"
            + " bind it to a family's spec (setting 'as') or to your own (setting 'archSpec') only if that spec really"
            + " describes this model");
    }

    private String known() {
        return String.join(", ", specs.keySet());
    }
}
