package dev.wisca.hooks.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;

/**
 * Binds protocol messages strictly: unknown fields, null primitives and trailing tokens are errors.
 * NaN and Infinity are accepted in numbers (a diverged run's statistics) and mean a degenerate channel.
 */
public final class ProtocolJson {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
        .build();

    private ProtocolJson() {}

    /** Parses {@code json} as {@code type}; INVALID_ARGUMENT naming the field on any mismatch. */
    public static <T> T read(String json, Class<T> type) {
        try {
            T value = MAPPER.readValue(json, type);
            if (value == null) throw bad(type, "empty message");
            return value;
        } catch (JsonProcessingException e) {
            throw bad(type, e.getOriginalMessage() + location(e));
        }
    }

    /** Parses one JSON document (a request body or line); INVALID_ARGUMENT if it is not exactly one. */
    public static JsonNode parse(String json) {
        try {
            JsonNode node = MAPPER.readTree(json);
            if (node == null || node.isMissingNode()) throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null, "empty message");
            return node;
        } catch (JsonProcessingException e) {
            throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null, "not JSON: " + e.getOriginalMessage() + location(e));
        }
    }

    /** Binds an already parsed tree (a stdio envelope's request). */
    public static <T> T read(JsonNode node, Class<T> type) {
        if (node == null || node.isNull()) throw bad(type, "the request is missing");
        try {
            return MAPPER.treeToValue(node, type);
        } catch (JsonProcessingException e) {
            throw bad(type, e.getOriginalMessage());
        }
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("protocol records always serialise", e);
        }
    }

    public static JsonNode tree(Object value) {
        return MAPPER.valueToTree(value);
    }

    private static String location(JsonProcessingException e) {
        return e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }

    private static WiscaException bad(Class<?> type, String detail) {
        return new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null, "bad " + type.getSimpleName() + ": " + detail);
    }
}
