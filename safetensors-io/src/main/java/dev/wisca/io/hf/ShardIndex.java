package dev.wisca.io.hf;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wisca.io.CodePointOrder;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * A {@code model.safetensors.index.json}: which shard holds each tensor, and the optional totals.
 *
 * @param weightMap       tensor name → shard file name, sorted by name
 * @param totalSize       {@code metadata.total_size}: bytes of tensor data, when given
 * @param totalParameters {@code metadata.total_parameters}: element count, when given
 */
public record ShardIndex(Map<String, String> weightMap, OptionalLong totalSize, OptionalLong totalParameters) {
    private static final ObjectMapper JSON = new ObjectMapper()
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    public ShardIndex {
        Map<String, String> sorted = new TreeMap<>(CodePointOrder.COMPARATOR);
        sorted.putAll(weightMap);
        weightMap = Collections.unmodifiableMap(new LinkedHashMap<>(sorted));
    }

    /** Reads and checks the shape of an index file; shard existence is checked by {@link Checkpoint}. */
    public static ShardIndex read(Path indexFile) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(indexFile));
        } catch (JsonProcessingException e) {
            throw invalid(indexFile, "not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, indexFile, null, "cannot read: " + e, e);
        }
        if (root == null || !root.isObject()) throw invalid(indexFile, "expected a JSON object");
        JsonNode map = root.get("weight_map");
        if (map == null || !map.isObject()) throw invalid(indexFile, "missing \"weight_map\" object");
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            JsonNode file = e.getValue();
            if (!file.isTextual() || !isPlainFileName(file.asText())) {
                throw new WiscaException(ErrorKind.INVALID_INDEX, indexFile, e.getKey(),
                    "weight_map must give a shard file name in the same folder, got " + file);
            }
            weightMap.put(e.getKey(), file.asText());
        }
        JsonNode metadata = root.path("metadata");
        return new ShardIndex(weightMap, optionalLong(metadata.get("total_size")), optionalLong(metadata.get("total_parameters")));
    }

    /** The file text as transformers writes it: 2-space indented, keys sorted, trailing newline. */
    public String toJson() {
        Map<String, Object> metadata = new LinkedHashMap<>();
        totalSize.ifPresent(v -> metadata.put("total_size", v));
        totalParameters.ifPresent(v -> metadata.put("total_parameters", v));
        return PythonJson.dumps(Map.of("metadata", metadata, "weight_map", weightMap)) + "\n";
    }

    /** Writes {@link #toJson()} atomically to {@code indexFile}. */
    public void write(Path indexFile) {
        AtomicFiles.write(indexFile, toJson().getBytes(StandardCharsets.UTF_8));
    }

    /** Every {@code metadata} entry is optional when reading; one that is not a whole number is ignored. */
    private static OptionalLong optionalLong(JsonNode node) {
        return node != null && node.canConvertToExactIntegral() && node.canConvertToLong()
            ? OptionalLong.of(node.asLong()) : OptionalLong.empty();
    }

    private static boolean isPlainFileName(String name) {
        return !name.isEmpty() && !name.equals(".") && !name.equals("..")
            && name.indexOf('/') < 0 && name.indexOf('\\') < 0 && name.indexOf('\0') < 0;
    }

    private static WiscaException invalid(Path indexFile, String why) {
        return WiscaException.of(ErrorKind.INVALID_INDEX, indexFile, why);
    }
}
