package dev.wisca.rescale.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

/** Reads spec files into records, rejecting unknown keys with INVALID_SPEC naming the file and key. */
public final class SpecReader {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .build();

    private SpecReader() {}

    /** Reads and validates an architecture spec. */
    public static ArchSpec read(InputStream in, Path source) {
        return ArchSpec.of(bind(in, source, SpecJson.class), source);
    }

    public static ArchSpec read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, file, null, "cannot read spec: " + e.getMessage(), e);
        }
    }

    /** Reads JSON into a tree (for configs and for dispatching on a spec's keys). */
    public static com.fasterxml.jackson.databind.JsonNode tree(InputStream in, Path source, ErrorKind kind) {
        try {
            com.fasterxml.jackson.databind.JsonNode node = MAPPER.readTree(in);
            if (node == null || !node.isObject()) throw new WiscaException(kind, source, null, "expected a JSON object");
            return node;
        } catch (JsonProcessingException e) {
            throw new WiscaException(kind, source, null, "not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, source, null, "cannot read: " + e.getMessage(), e);
        }
    }

    /** Binds a tree read by {@link #tree} to a record type with the strict settings. */
    public static <T> T bind(com.fasterxml.jackson.databind.JsonNode node, Path source, Class<T> type) {
        try {
            return MAPPER.treeToValue(node, type);
        } catch (UnrecognizedPropertyException e) {
            throw unknownKey(e, source);
        } catch (JsonMappingException e) {
            throw new WiscaException(ErrorKind.INVALID_SPEC, source, null, "at " + path(e) + ": " + e.getOriginalMessage(), e);
        } catch (JsonProcessingException e) {
            throw new WiscaException(ErrorKind.INVALID_SPEC, source, null, e.getOriginalMessage(), e);
        }
    }

    private static WiscaException unknownKey(UnrecognizedPropertyException e, Path source) {
        String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream()
            .map(Object::toString).sorted().collect(Collectors.joining(", "));
        return new WiscaException(ErrorKind.INVALID_SPEC, source, null, "unknown key '" + e.getPropertyName()
            + "' at " + path(e) + " (known keys: " + known + ")", e);
    }

    /** Binds any spec-like record type with the strict settings. */
    public static <T> T bind(InputStream in, Path source, Class<T> type) {
        try {
            T value = MAPPER.readValue(in, type);
            if (value == null) throw new WiscaException(ErrorKind.INVALID_SPEC, source, null, "empty spec");
            return value;
        } catch (UnrecognizedPropertyException e) {
            throw unknownKey(e, source);
        } catch (JsonMappingException e) {
            throw new WiscaException(ErrorKind.INVALID_SPEC, source, null, "at " + path(e) + ": " + e.getOriginalMessage(), e);
        } catch (JsonProcessingException e) {
            throw new WiscaException(ErrorKind.INVALID_SPEC, source, null, "not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, source, null, "cannot read spec: " + e.getMessage(), e);
        }
    }

    /** The shared mapper settings, for tree reads of configs. */
    public static ObjectMapper mapper() { return MAPPER; }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) sb.append(sb.isEmpty() ? "" : ".").append(r.getFieldName());
            else if (r.getIndex() >= 0) sb.append('[').append(r.getIndex()).append(']');
        }
        return sb.isEmpty() ? "top level" : sb.toString();
    }
}
