package dev.wisca.io.hf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * config.json after a dtype conversion: transformers 5 writes the stored dtype as {@code "dtype"}
 * (transformers 4 wrote {@code "torch_dtype"}); the key that exists is updated, both when both
 * exist, and {@code "dtype"} is added when neither does, in the top object and in every sub-config
 * object that carries one (e.g. {@code text_config}). Everything else is kept as it was.
 */
final class ConfigDtype {
    static final String FILE = "config.json";
    private static final List<String> KEYS = List.of("dtype", "torch_dtype");
    private static final Map<Dtype, String> TORCH_NAMES = Map.of(Dtype.F64, "float64", Dtype.F32, "float32",
        Dtype.F16, "float16", Dtype.BF16, "bfloat16", Dtype.F8_E4M3, "float8_e4m3fn", Dtype.F8_E5M2, "float8_e5m2");
    private static final ObjectMapper JSON = new ObjectMapper();

    private ConfigDtype() {}

    static boolean isConfig(Path file) {
        return file.getFileName().toString().equals(FILE);
    }

    /** The bytes of {@code configFile} with its dtype keys set to {@code dtype}'s torch name. */
    static byte[] rewrite(Path configFile, Dtype dtype) {
        String torchName = TORCH_NAMES.get(dtype);
        if (torchName == null) throw WiscaException.of(ErrorKind.UNSUPPORTED_DTYPE, configFile, "no torch dtype name for " + dtype);
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(configFile));
        } catch (JsonProcessingException e) {
            throw WiscaException.of(ErrorKind.INVALID_CONFIG, configFile, "not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, configFile, null, "cannot read: " + e, e);
        }
        if (!(root instanceof ObjectNode top)) throw WiscaException.of(ErrorKind.INVALID_CONFIG, configFile, "expected a JSON object");
        if (KEYS.stream().noneMatch(top::has)) top.put("dtype", torchName);
        setWherePresent(top, torchName);
        return (pretty(top) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static void setWherePresent(ObjectNode node, String torchName) {
        for (String key : KEYS) if (node.has(key)) node.put(key, torchName);
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (e.getValue() instanceof ObjectNode child) setWherePresent(child, torchName);
        }
    }

    /** Two-space indent and ": " like Python's json.dumps(indent=2). */
    private static String pretty(JsonNode node) {
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter(Separators.createDefaultInstance()
            .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n"));
        try {
            return JSON.writer(printer).writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed tree always serialises", e);
        }
    }
}
