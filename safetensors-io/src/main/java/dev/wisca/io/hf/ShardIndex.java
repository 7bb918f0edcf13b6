package dev.wisca.io.hf;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
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
    /**
     * A streaming parser, not a databind ObjectMapper: reading an index is on the path of every
     * command, and databind's few hundred classes were most of a short command's start.
     */
    private static final JsonFactory JSON = JsonFactory.builder()
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        // Tensor names are keys seen once each: a symbol table only hashed and rehashed them (most of the parse).
        .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
        .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
        .build();

    public ShardIndex {
        weightMap = Collections.unmodifiableMap(sortedCopy(weightMap));
    }

    /** Index files come sorted (transformers and wisca write them so): checked in one pass, sorted only when not. */
    private static Map<String, String> sortedCopy(Map<String, String> weightMap) {
        String previous = null;
        boolean sorted = true;
        for (String name : weightMap.keySet()) {
            if (previous != null && CodePointOrder.compare(previous, name) >= 0) {
                sorted = false;
                break;
            }
            previous = name;
        }
        if (sorted) return new LinkedHashMap<>(weightMap);
        Map<String, String> tree = new TreeMap<>(CodePointOrder.COMPARATOR);
        tree.putAll(weightMap);
        return new LinkedHashMap<>(tree);
    }

    /** Reads and checks the shape of an index file; shard existence is checked by {@link Checkpoint}. */
    public static ShardIndex read(Path indexFile) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(indexFile);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, indexFile, null, "cannot read: " + e, e);
        }
        try (JsonParser p = JSON.createParser(bytes)) {
            return parse(p, indexFile);
        } catch (JsonProcessingException e) {
            throw invalid(indexFile, "not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, indexFile, null, "cannot read: " + e, e);
        }
    }

    private static ShardIndex parse(JsonParser p, Path indexFile) throws IOException {
        JsonToken first = p.nextToken();
        if (first != JsonToken.START_OBJECT) {
            p.skipChildren();
            requireEnd(p);
            throw invalid(indexFile, "expected a JSON object");
        }
        Map<String, String> weightMap = null;
        OptionalLong totalSize = OptionalLong.empty();
        OptionalLong totalParameters = OptionalLong.empty();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken value = p.nextToken();
            if (key.equals("weight_map") && value == JsonToken.START_OBJECT) {
                weightMap = weightMap(p, indexFile);
            } else if (key.equals("metadata") && value == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    OptionalLong number = wholeNumber(p);
                    if (name.equals("total_size")) totalSize = number;
                    else if (name.equals("total_parameters")) totalParameters = number;
                    p.skipChildren();
                }
            } else {
                if (key.equals("weight_map")) weightMap = null;
                p.skipChildren();
            }
        }
        requireEnd(p);
        if (weightMap == null) throw invalid(indexFile, "missing \"weight_map\" object");
        return new ShardIndex(weightMap, totalSize, totalParameters);
    }

    private static Map<String, String> weightMap(JsonParser p, Path indexFile) throws IOException {
        Map<String, String> weightMap = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String tensor = p.currentName();
            JsonToken value = p.nextToken();
            String file = value == JsonToken.VALUE_STRING ? p.getText() : null;
            if (file == null || !isPlainFileName(file)) {
                String got = file != null ? "\"" + file + "\"" : value.isStructStart() ? "a JSON " + (value == JsonToken.START_OBJECT ? "object" : "array") : p.getText();
                throw new WiscaException(ErrorKind.INVALID_INDEX, indexFile, tensor,
                    "weight_map must give a shard file name in the same folder, got " + got);
            }
            weightMap.put(tensor, file);
        }
        return weightMap;
    }

    /** Nothing may follow the root object (as databind's FAIL_ON_TRAILING_TOKENS). */
    private static void requireEnd(JsonParser p) throws IOException {
        JsonToken extra = p.nextToken();
        if (extra != null) throw new JsonParseException(p, "trailing token " + extra + " after the root value");
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

    /** Every {@code metadata} entry is optional when reading; one that is not a whole number (fitting a long) is ignored. */
    private static OptionalLong wholeNumber(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NUMBER_INT) {
            return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? OptionalLong.empty() : OptionalLong.of(p.getLongValue());
        }
        if (p.currentToken() == JsonToken.VALUE_NUMBER_FLOAT) {
            double d = p.getDoubleValue();
            boolean whole = d == Math.rint(d) && d >= Long.MIN_VALUE && d <= Long.MAX_VALUE;
            return whole ? OptionalLong.of((long) d) : OptionalLong.empty();
        }
        return OptionalLong.empty();
    }

    private static boolean isPlainFileName(String name) {
        return !name.isEmpty() && !name.equals(".") && !name.equals("..")
            && name.indexOf('/') < 0 && name.indexOf('\\') < 0 && name.indexOf('\0') < 0;
    }

    private static WiscaException invalid(Path indexFile, String why) {
        return WiscaException.of(ErrorKind.INVALID_INDEX, indexFile, why);
    }
}
