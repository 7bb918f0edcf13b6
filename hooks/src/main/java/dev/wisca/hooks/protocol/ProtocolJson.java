package dev.wisca.hooks.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.io.IOException;

/**
 * Binds protocol messages strictly: unknown fields, null primitives and trailing tokens are errors.
 * NaN and Infinity parse (so the answer can say which statistic held them) and are refused by the
 * solver. Nesting depth, string and name lengths are bounded here, counts by {@link JsonLimits}:
 * every message is read through a counting parser.
 */
public final class ProtocolJson {
    static final int MAX_DEPTH = 64;
    static final int MAX_STRING = 1 << 20;

    private static final JsonFactory FACTORY = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).maxStringLength(MAX_STRING)
            .maxNameLength(64 << 10).maxNumberLength(400).build())
        .build();
    private static final ObjectMapper MAPPER = JsonMapper.builder(FACTORY)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
        .build();

    private ProtocolJson() {}

    /** Parses {@code json} as {@code type} within {@link JsonLimits#STDIO}; INVALID_ARGUMENT naming the field on any mismatch. */
    public static <T> T read(String json, Class<T> type) {
        try (JsonParser parser = JsonLimits.STDIO.counting(MAPPER.createParser(json))) {
            return bind(parser, type);
        } catch (IOException e) {
            throw bad(type, detail(e));
        }
    }

    /** Binds a request body within {@code limits}; INVALID_ARGUMENT naming the problem (and where), a passed limit included. */
    public static <T> T read(byte[] body, Class<T> type, JsonLimits limits) {
        try (JsonParser parser = limits.counting(MAPPER.createParser(body))) {
            return bind(parser, type);
        } catch (IOException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof JsonParseException || t instanceof StreamConstraintsException) {
                    throw new NotJson("not JSON: " + detail((IOException) t));
                }
            }
            throw bad(type, detail(e));
        }
    }

    /** A body that is not one JSON document within the limits (answered as BadRequest, like a stdio line that is not JSON). */
    public static final class NotJson extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        NotJson(String message) { super(message); }
    }

    private static <T> T bind(JsonParser parser, Class<T> type) throws IOException {
        T value = MAPPER.readValue(parser, type);
        if (value == null) throw bad(type, "empty message");
        return value;
    }

    /** Parses one JSON document (a request body or line) within {@link JsonLimits#STDIO}; INVALID_ARGUMENT if it is not exactly one. */
    public static JsonNode parse(String json) {
        try (JsonParser parser = JsonLimits.STDIO.counting(MAPPER.createParser(json))) {
            JsonNode node = MAPPER.readTree(parser);
            if (node == null || node.isMissingNode()) throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null, "empty message");
            if (parser.nextToken() != null) throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null, "not JSON: content after the message");
            return node;
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null, "not JSON: " + detail(e));
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

    private static String detail(IOException e) {
        if (!(e instanceof JsonProcessingException j)) return e.getMessage();
        return j.getOriginalMessage() + (j.getLocation() == null ? ""
            : " (line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr() + ")");
    }

    private static WiscaException bad(Class<?> type, String detail) {
        return new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null, "bad " + type.getSimpleName() + ": " + detail);
    }
}
