package dev.wisca.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the header JSON at token level with the reference's (serde_json) acceptance rules:
 * unsigned integers only in {@code shape} and {@code data_offsets}, nothing after the object,
 * strings in {@code __metadata__}, extra tensor fields skipped but still well-formed. Every
 * rejection is {@link ErrorKind#INVALID_HEADER_DESERIALIZATION}. Offsets are not checked here.
 */
final class HeaderJson {
    static final String METADATA_KEY = "__metadata__";

    /** serde_json stops at 128 nested arrays/objects; 127 still parse. */
    private static final int MAX_NESTING_DEPTH = 127;

    private static final JsonFactory FACTORY = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder()
            .maxNestingDepth(MAX_NESTING_DEPTH)
            .maxNumberLength(Integer.MAX_VALUE)
            .maxStringLength(Integer.MAX_VALUE)
            .maxNameLength(Integer.MAX_VALUE)
            .build())
        // No symbol table: it would intern attacker-chosen names and can fail on hash floods.
        .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
        .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
        .build();

    /** One tensor entry as written; shape and offsets hold u64 values (read them unsigned). */
    record Entry(String name, Dtype dtype, long[] shape, long begin, long end) {}

    /** The entries in first-appearance order (a repeated name keeps its place, last value wins). */
    record Parsed(Map<String, String> metadata, List<Entry> entries) {}

    private HeaderJson() {}

    /**
     * Reads {@code json}, text decoded from UTF-8 (so it holds surrogates only in pairs: strict UTF-8
     * decoding rejects encoded surrogates).
     */
    static Parsed read(String json, Path file) {
        try (JsonParser parser = FACTORY.createParser(json)) {
            return new Reader(parser, file, json.contains("\\u")).document();
        } catch (JsonProcessingException e) {
            throw reject(file, null, "malformed JSON: " + withoutSourceNote(e.getOriginalMessage()) + at(e.getLocation()));
        } catch (IOException e) {
            throw reject(file, null, "unreadable JSON: " + e.getMessage());
        }
    }

    private static String withoutSourceNote(String message) {
        return message.replaceAll("\\(start marker at \\[Source: .*?; line: (\\d+), column: (\\d+)]\\)",
            "(opened at line $1, column $2)");
    }

    private static String at(JsonLocation location) {
        if (location == null || location.getLineNr() < 0) return "";
        return " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    static WiscaException reject(Path file, String tensor, String detail) {
        return new WiscaException(ErrorKind.INVALID_HEADER_DESERIALIZATION, file, tensor, detail);
    }

    private static final class Reader {
        private final JsonParser parser;
        private final Path file;
        /**
         * Whether the text has a {@code \\u} escape, the only way a string can get a lone surrogate from
         * text decoded from UTF-8; without one, no string needs the char-by-char check (a tenth of a
         * 5,000-tensor header read before the JIT compiles it).
         */
        private final boolean escapes;
        private final Map<String, String> metadata = new LinkedHashMap<>();
        private final Map<String, Entry> entries = new LinkedHashMap<>();
        private boolean metadataSeen;

        Reader(JsonParser parser, Path file, boolean escapes) {
            this.parser = parser;
            this.file = file;
            this.escapes = escapes;
        }

        Parsed document() throws IOException {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw reject(file, null, "the header must be a JSON object, found " + describe(parser.currentToken()));
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String key = checked(parser.currentName(), null);
                parser.nextToken();
                if (key.equals(METADATA_KEY)) {
                    readMetadata();
                } else {
                    entries.put(key, readEntry(key));
                }
            }
            JsonToken trailing = parser.nextToken();
            if (trailing != null) {
                throw reject(file, null, "unexpected " + describe(trailing) + " after the header object");
            }
            return new Parsed(metadata, List.copyOf(entries.values()));
        }

        private void readMetadata() throws IOException {
            if (metadataSeen) throw reject(file, null, "duplicate key " + METADATA_KEY);
            metadataSeen = true;
            JsonToken token = parser.currentToken();
            if (token == JsonToken.VALUE_NULL) return;
            if (token != JsonToken.START_OBJECT) {
                throw reject(file, null, METADATA_KEY + " must be an object of strings or null, found " + describe(token));
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String key = checked(parser.currentName(), null);
                JsonToken value = parser.nextToken();
                if (value != JsonToken.VALUE_STRING) {
                    throw reject(file, null, METADATA_KEY + " value of '" + key + "' must be a string, found " + describe(value));
                }
                metadata.put(key, checked(parser.getText(), null));
            }
        }

        private Entry readEntry(String name) throws IOException {
            return switch (parser.currentToken()) {
                case START_OBJECT -> readEntryObject(name);
                // serde's derived struct also accepts its fields in declaration order as an array.
                case START_ARRAY -> readEntryArray(name);
                default -> throw reject(file, name, "tensor entry must be an object with dtype, shape and data_offsets, found "
                    + describe(parser.currentToken()));
            };
        }

        private Entry readEntryObject(String name) throws IOException {
            Dtype dtype = null;
            long[] shape = null;
            long[] offsets = null;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = checked(parser.currentName(), name);
                parser.nextToken();
                switch (field) {
                    case "dtype" -> dtype = unique(dtype, field, name, readDtype(name));
                    case "shape" -> shape = unique(shape, field, name, readUnsignedArray(name, field));
                    case "data_offsets" -> offsets = unique(offsets, field, name, readUnsignedArray(name, field));
                    default -> skipValue(name);
                }
            }
            if (dtype == null) throw reject(file, name, "missing field dtype");
            if (shape == null) throw reject(file, name, "missing field shape");
            if (offsets == null) throw reject(file, name, "missing field data_offsets");
            return entry(name, dtype, shape, offsets);
        }

        private Entry readEntryArray(String name) throws IOException {
            Dtype dtype = nextElement(name) ? readDtype(name) : null;
            long[] shape = dtype != null && nextElement(name) ? readUnsignedArray(name, "shape") : null;
            long[] offsets = shape != null && nextElement(name) ? readUnsignedArray(name, "data_offsets") : null;
            if (offsets == null || parser.nextToken() != JsonToken.END_ARRAY) {
                throw reject(file, name, "a tensor entry written as an array must hold exactly [dtype, shape, data_offsets]");
            }
            return entry(name, dtype, shape, offsets);
        }

        private boolean nextElement(String name) throws IOException {
            JsonToken token = parser.nextToken();
            if (token == null) throw reject(file, name, "unexpected end of header");
            return token != JsonToken.END_ARRAY;
        }

        private Entry entry(String name, Dtype dtype, long[] shape, long[] offsets) {
            if (offsets.length != 2) {
                throw reject(file, name, "data_offsets must be exactly [begin, end], found " + offsets.length + " numbers");
            }
            return new Entry(name, dtype, shape, offsets[0], offsets[1]);
        }

        private <T> T unique(T previous, String field, String name, T value) {
            if (previous != null) throw reject(file, name, "duplicate field " + field);
            return value;
        }

        private Dtype readDtype(String name) throws IOException {
            JsonToken token = parser.currentToken();
            if (token != JsonToken.VALUE_STRING) throw reject(file, name, "dtype must be a string, found " + describe(token));
            String text = parser.getText();
            return Dtype.fromHeaderName(text).orElseThrow(() -> reject(file, name,
                "unknown dtype '" + text + "' (expected one of " + Arrays.toString(Dtype.values()) + ")"));
        }

        /** A JSON array of integers in [0, 2^64), returned as the same 64 bits in longs. */
        private long[] readUnsignedArray(String name, String field) throws IOException {
            if (parser.currentToken() != JsonToken.START_ARRAY) {
                throw reject(file, name, field + " must be an array of non-negative integers, found " + describe(parser.currentToken()));
            }
            long[] values = new long[4];
            int count = 0;
            for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
                if (count == values.length) values = Arrays.copyOf(values, count * 2);
                values[count++] = readUnsigned(name, field, token);
            }
            return Arrays.copyOf(values, count);
        }

        private long readUnsigned(String name, String field, JsonToken token) throws IOException {
            if (token != JsonToken.VALUE_NUMBER_INT) {
                throw reject(file, name, field + " must hold non-negative integers, found " + describe(token));
            }
            String text = parser.getText();
            // serde_json reads "-0" as a float, so any sign is a rejection.
            if (text.startsWith("-")) throw reject(file, name, field + " must hold non-negative integers, found " + text);
            try {
                return Long.parseUnsignedLong(text);
            } catch (NumberFormatException e) {
                throw reject(file, name, field + " value " + abbreviate(text) + " does not fit in 64 bits");
            }
        }

        /** Skips one value of an unknown field, rejecting what serde_json would not parse. */
        private void skipValue(String name) throws IOException {
            int depth = 0;
            JsonToken token = parser.currentToken();
            while (true) {
                if (token == null) throw reject(file, name, "unexpected end of header");
                switch (token) {
                    case START_OBJECT, START_ARRAY -> depth++;
                    case END_OBJECT, END_ARRAY -> depth--;
                    case FIELD_NAME -> checked(parser.currentName(), name);
                    case VALUE_STRING -> checked(parser.getText(), name);
                    case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> requireFinite(name, parser.getText());
                    default -> { }
                }
                if (depth == 0) return;
                token = parser.nextToken();
            }
        }

        private void requireFinite(String name, String number) {
            if (Double.isInfinite(Double.parseDouble(number))) {
                throw reject(file, name, "number " + abbreviate(number) + " is out of range");
            }
        }

        /** Jackson decodes a lone surrogate {@code \\u} escape; serde_json rejects it. */
        private String checked(String text, String name) {
            if (!escapes) return text;
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                } else if (Character.isSurrogate(c)) {
                    throw reject(file, name, "string holds a lone surrogate escape \\u" + Integer.toHexString(c));
                }
            }
            return text;
        }
    }

    private static String describe(JsonToken token) {
        if (token == null) return "end of header";
        return switch (token) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT -> "an integer";
            case VALUE_NUMBER_FLOAT -> "a float";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> token.toString();
        };
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 37) + "...";
    }
}
