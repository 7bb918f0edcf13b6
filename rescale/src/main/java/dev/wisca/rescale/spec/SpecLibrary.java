package dev.wisca.rescale.spec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.lora.LoraSpec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The architecture specs wisca knows: the built-ins listed in {@code specs/index.txt} (adding one is
 * dropping a JSON file next to it and listing it) plus user specs ({@code --arch-spec FILE}), which
 * take precedence. Detects a checkpoint's spec from config.json and its tensor names.
 */
public final class SpecLibrary {
    static final String RESOURCE_DIR = "/dev/wisca/rescale/specs/";

    private final Map<String, ArchSpec> specs;
    private final LoraSpec lora;

    private SpecLibrary(Map<String, ArchSpec> specs, LoraSpec lora) {
        this.specs = specs;
        this.lora = lora;
    }

    /** The built-in specs. Reads the resources once per call; keep the instance. */
    public static SpecLibrary builtin() {
        Map<String, ArchSpec> specs = new LinkedHashMap<>();
        LoraSpec lora = null;
        for (String file : index()) {
            Path source = Path.of("builtin", file);
            JsonNode tree;
            try (InputStream in = SpecLibrary.class.getResourceAsStream(RESOURCE_DIR + file)) {
                if (in == null) throw new WiscaException(ErrorKind.INVALID_SPEC, source, null, "listed in index.txt but missing");
                tree = SpecReader.tree(in, source, ErrorKind.INVALID_SPEC);
            } catch (IOException e) {
                throw new WiscaException(ErrorKind.IO, source, null, e.getMessage(), e);
            }
            if (tree.has("peft_type")) {
                lora = LoraSpec.of(SpecReader.bind(tree, source, dev.wisca.rescale.lora.LoraSpecJson.class), source);
            } else {
                ArchSpec spec = ArchSpec.of(SpecReader.bind(tree, source, SpecJson.class), source);
                if (specs.put(spec.name(), spec) != null) {
                    throw new WiscaException(ErrorKind.INVALID_SPEC, source, null, "second spec for model_type " + spec.name());
                }
            }
        }
        if (lora == null) throw new WiscaException(ErrorKind.INVALID_SPEC, Path.of("builtin", "index.txt"), null, "no LoRA adapter spec listed");
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

    /** Supported model types, in index order. */
    public List<String> modelTypes() { return List.copyOf(specs.keySet()); }

    public List<ArchSpec> all() { return List.copyOf(specs.values()); }

    public Optional<ArchSpec> get(String modelType) { return Optional.ofNullable(specs.get(modelType)); }

    /** The PEFT LoRA adapter spec. */
    public LoraSpec lora() { return lora; }

    /**
     * The spec for a checkpoint: by {@code model_type}, else by {@code architectures}, else by which
     * spec's tensors are all present. Several candidates are narrowed by the tensors.
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
        for (ArchSpec s : candidates) {
            if (binds(s, config, tensors)) return s;
        }
        if (!byTensors) return candidates.get(0);
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

    private static List<String> index() {
        List<String> files = new ArrayList<>();
        try (InputStream in = SpecLibrary.class.getResourceAsStream(RESOURCE_DIR + "index.txt")) {
            if (in == null) throw new WiscaException(ErrorKind.INVALID_SPEC, Path.of("builtin", "index.txt"), null, "missing spec index");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                String t = line.strip();
                if (!t.isEmpty() && !t.startsWith("#")) files.add(t);
            }
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, Path.of("builtin", "index.txt"), null, e.getMessage(), e);
        }
        return files;
    }
}
