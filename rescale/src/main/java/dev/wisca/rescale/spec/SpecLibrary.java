package dev.wisca.rescale.spec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.TensorInfo;
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
 * resource folder (adding one is dropping its file there; the folder is scanned), plus user specs
 * ({@link #with}), which take precedence. Detects a checkpoint's spec from config.json and its tensor names.
 */
public final class SpecLibrary {
    static final String RESOURCE_DIR = "/dev/wisca/rescale/specs/";

    private final Map<String, ArchSpec> specs;
    private final LoraSpec lora;

    private SpecLibrary(Map<String, ArchSpec> specs, LoraSpec lora) {
        this.specs = specs;
        this.lora = lora;
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
        return new SpecLibrary(specs, lora);
    }

    /** Reads a user spec file (INVALID_SPEC on any problem, naming the file and key). */
    public static ArchSpec load(Path file) { return SpecReader.read(file); }

    /** This library plus {@code user}, which wins over a built-in of the same model_type in detection. */
    public SpecLibrary with(ArchSpec user) {
        Map<String, ArchSpec> all = new LinkedHashMap<>();
        all.put(user.name(), user);
        specs.forEach(all::putIfAbsent);
        return new SpecLibrary(all, lora);
    }

    /** Supported model types, in file-name order. */
    public List<String> modelTypes() { return List.copyOf(specs.keySet()); }

    public List<ArchSpec> all() { return List.copyOf(specs.values()); }

    public Optional<ArchSpec> get(String modelType) { return Optional.ofNullable(specs.get(modelType)); }

    /** The PEFT LoRA adapter spec. */
    public LoraSpec lora() { return lora; }

    /**
     * The spec for a checkpoint: by {@code model_type}, else by {@code architectures}, else by which
     * spec's tensors are all present. Several candidates are narrowed by the tensors. When the config
     * names nothing and several specs' tensors are all present, it refuses rather than guess by file order.
     */
    public ArchSpec detect(JsonNode config, List<TensorInfo> tensors) {
        String modelType = config.path("model_type").asText("");
        List<ArchSpec> candidates = new ArrayList<>();
        for (ArchSpec s : specs.values()) if (s.modelType().equals(modelType)) candidates.add(s);
        if (candidates.isEmpty()) {
            for (JsonNode arch : config.path("architectures")) {
                for (ArchSpec s : specs.values()) {
                    if (s.architectures().contains(arch.asText()) && !candidates.contains(s)) candidates.add(s);
                }
            }
        }
        boolean byTensors = candidates.isEmpty();
        if (byTensors) candidates.addAll(specs.values());
        if (!byTensors) {
            for (ArchSpec s : candidates) if (binds(s, config, tensors)) return s;
            return candidates.get(0);
        }
        List<String> fitting = candidates.stream().filter(s -> binds(s, config, tensors)).map(ArchSpec::name).toList();
        if (fitting.size() == 1) return specs.get(fitting.get(0));
        if (fitting.size() > 1) {
            throw new WiscaException(ErrorKind.UNKNOWN_ARCHITECTURE, null, null, "config.json names no model_type or architectures and the tensors fit "
                + "several specs (" + String.join(", ", fitting) + "); set model_type in config.json");
        }
        throw new WiscaException(ErrorKind.UNKNOWN_ARCHITECTURE, null, null, "model_type '" + modelType + "' (architectures "
            + config.path("architectures") + ") is not supported; supported: " + String.join(", ", specs.keySet())
            + ". Write a spec for it and pass --arch-spec FILE");
    }

    private static boolean binds(ArchSpec spec, JsonNode config, List<TensorInfo> tensors) {
        try {
            ModelBinding.bind(spec, config, tensors);
            return true;
        } catch (WiscaException e) {
            return false;
        }
    }
}
