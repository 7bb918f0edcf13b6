package dev.wisca.rescale.spec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.lora.LoraSpec;
import dev.wisca.rescale.lora.LoraSpecJson;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The architecture specs wisca knows: the built-ins, one JSON file per family in the {@code specs}
 * resource folder, named after the family's model_type ({@code llama.json}; adding one is dropping its
 * file there; the folder is scanned, there is no index). Picks a checkpoint's spec by config.json's
 * {@code model_type}, or as the user chose ({@link SpecChoice}: another family, a spec file).
 *
 * <p>Parsed as asked: finding one family's spec reads and checks that family's file only (a short
 * command on one checkpoint needs one of the 24 specs); what needs them all (the list of families, an
 * unknown model_type's error naming them, the LoRA spec) scans and checks the whole folder once, with
 * the rule that makes the two agree: a spec file is named after its model_type.
 */
public final class SpecLibrary {
    static final String RESOURCE_DIR = "/dev/wisca/rescale/specs/";
    private static final Path FOLDER = Path.of("builtin", "specs");

    private final Builtins builtins;
    private final Optional<ArchSpec> chosen;

    private SpecLibrary(Builtins builtins, Optional<ArchSpec> chosen) {
        this.builtins = builtins;
        this.chosen = chosen;
    }

    /** The built-in specs (read as asked, once per instance; keep the instance). */
    public static SpecLibrary builtin() {
        return new SpecLibrary(new Builtins(), Optional.empty());
    }

    /** The built-ins of one library: families read one file at a time, and the whole folder scanned once when needed. */
    private static final class Builtins {
        private final Map<String, ArchSpec> read = new HashMap<>();
        private Scan scan;

        synchronized Optional<ArchSpec> get(String modelType) {
            ArchSpec known = read.get(modelType);
            if (known != null) return Optional.of(known);
            if (scan != null) return Optional.ofNullable(scan.specs().get(modelType));
            Optional<ArchSpec> own = ownFile(modelType);
            if (own.isPresent()) {
                read.put(modelType, own.get());
                return own;
            }
            return Optional.ofNullable(scan().specs().get(modelType));
        }

        synchronized Scan scan() {
            if (scan == null) scan = Scan.folder(read);
            return scan;
        }

        /** The spec in {@code <modelType>.json} when that file exists and is that family's spec; else empty (the scan decides). */
        private static Optional<ArchSpec> ownFile(String modelType) {
            if (!isPlainName(modelType)) return Optional.empty();
            String file = modelType + ".json";
            byte[] bytes;
            try (InputStream in = SpecLibrary.class.getResourceAsStream(RESOURCE_DIR + file)) {
                if (in == null) return Optional.empty();
                bytes = in.readAllBytes();
            } catch (IOException e) {
                throw new WiscaException(ErrorKind.IO, FOLDER.resolve(file), null, "cannot read a built-in spec: " + e.getMessage(), e);
            }
            Path source = FOLDER.resolve(file);
            JsonNode tree = SpecReader.tree(new ByteArrayInputStream(bytes), source, ErrorKind.INVALID_SPEC);
            if (tree.has("peft_type")) return Optional.empty();
            ArchSpec spec = ArchSpec.of(SpecReader.bind(tree, source, SpecJson.class), source);
            return spec.name().equals(modelType) ? Optional.of(spec) : Optional.empty();
        }

        /** Letters, digits, {@code _} and {@code -}: a model_type that can name a file in the folder and nothing outside it. */
        private static boolean isPlainName(String s) {
            if (s.isEmpty()) return false;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-')) return false;
            }
            return true;
        }
    }

    /** Every file of the folder, parsed and checked (those in {@code read} were, from the same bytes: reused). */
    private record Scan(Map<String, ArchSpec> specs, LoraSpec lora) {
        static Scan folder(Map<String, ArchSpec> read) {
            Map<String, ArchSpec> specs = new LinkedHashMap<>();
            LoraSpec lora = null;
            for (Map.Entry<String, byte[]> file : ResourceFolder.jsonFiles(SpecLibrary.class.getResource(RESOURCE_DIR), FOLDER).entrySet()) {
                Path source = FOLDER.resolve(file.getKey());
                ArchSpec already = read.get(file.getKey().substring(0, file.getKey().length() - ".json".length()));
                if (already != null) {
                    if (specs.put(already.name(), already) != null) {
                        throw new WiscaException(ErrorKind.INVALID_SPEC, source, null, "second spec for model_type " + already.name());
                    }
                    continue;
                }
                JsonNode tree = SpecReader.tree(new ByteArrayInputStream(file.getValue()), source, ErrorKind.INVALID_SPEC);
                if (tree.has("peft_type")) {
                    if (lora != null) throw new WiscaException(ErrorKind.INVALID_SPEC, source, null, "second LoRA adapter spec");
                    lora = LoraSpec.of(SpecReader.bind(tree, source, LoraSpecJson.class), source);
                } else {
                    ArchSpec spec = ArchSpec.of(SpecReader.bind(tree, source, SpecJson.class), source);
                    if (specs.put(spec.name(), spec) != null) {
                        throw new WiscaException(ErrorKind.INVALID_SPEC, source, null, "second spec for model_type " + spec.name());
                    }
                    if (!file.getKey().equals(spec.name() + ".json")) {
                        throw new WiscaException(ErrorKind.INVALID_SPEC, source, null, "the spec of model_type " + spec.name()
                            + " must be named " + spec.name() + ".json (a family's spec is found by its file name)");
                    }
                }
            }
            if (lora == null) throw new WiscaException(ErrorKind.INVALID_SPEC, FOLDER, null, "no LoRA adapter spec");
            return new Scan(specs, lora);
        }
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
        return new SpecLibrary(builtins, fixed);
    }

    /** Supported model types, in file-name order. */
    public List<String> modelTypes() { return List.copyOf(builtins.scan().specs().keySet()); }

    public List<ArchSpec> all() { return List.copyOf(builtins.scan().specs().values()); }

    public Optional<ArchSpec> get(String modelType) { return builtins.get(modelType); }

    /** The PEFT LoRA adapter spec. */
    public LoraSpec lora() { return builtins.scan().lora(); }

    /**
     * The spec for a checkpoint: the chosen one ({@link #choosing}), else the built-in whose model_type is
     * config.json's. Never a guess from tensor names: a model_type without a spec is refused.
     *
     * @throws WiscaException UNKNOWN_ARCHITECTURE listing the known families
     */
    public ArchSpec specFor(JsonNode config) {
        if (chosen.isPresent()) return chosen.get();
        String modelType = config.path("model_type").asText("");
        Optional<ArchSpec> spec = get(modelType);
        if (spec.isPresent()) return spec.get();
        String what = modelType.isEmpty() ? "config.json has no model_type" : "model_type '" + modelType + "' has no spec";
        throw new WiscaException(ErrorKind.UNKNOWN_ARCHITECTURE, null, null, what + " (architectures "
            + config.path("architectures") + "); known families: " + known() + ". wisca does not guess from tensor names:"
            + " bind it to a family's spec (setting 'as') or to your own (setting 'archSpec') only if that spec really"
            + " describes this model");
    }

    private String known() {
        return String.join(", ", modelTypes());
    }
}
