package dev.wisca.io;

import static dev.wisca.io.TestFiles.assertParseFails;
import static dev.wisca.io.TestFiles.file;
import static dev.wisca.io.TestFiles.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Headers the reference's serde_json parse rejects: InvalidHeaderDeserialization, never another kind. */
class HeaderDeserializationTest {
    private static final String OK_ENTRY = "{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}";

    private static String withEntry(String entryJson) {
        return "{\"t\":" + entryJson + "}";
    }

    /** The valid entry with one field's JSON value replaced. */
    private static String withField(String field, String value) {
        String dtype = field.equals("dtype") ? value : "\"U8\"";
        String shape = field.equals("shape") ? value : "[1]";
        String offsets = field.equals("data_offsets") ? value : "[0,1]";
        return withEntry("{\"dtype\":" + dtype + ",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}");
    }

    private static String withMetadata(String value) {
        return "{\"__metadata__\":" + value + ",\"t\":" + OK_ENTRY + "}";
    }

    static Stream<Arguments> rejected() {
        return Stream.of(
            Arguments.of("empty header", ""),
            Arguments.of("only whitespace", "   "),
            Arguments.of("top-level array", "[]"),
            Arguments.of("top-level number", "1"),
            Arguments.of("top-level string", "\"x\""),
            Arguments.of("top-level null", "null"),
            Arguments.of("unclosed object", "{"),
            Arguments.of("extra closing brace", "{}}"),
            Arguments.of("trailing garbage", "{} x"),
            Arguments.of("second object", "{}{}"),
            Arguments.of("trailing comma after object", "{},"),
            Arguments.of("trailing comma in object", "{\"t\":" + OK_ENTRY + ",}"),
            Arguments.of("trailing comma in array", withField("shape", "[1,]")),
            Arguments.of("block comment", "/*c*/{}"),
            Arguments.of("line comment", "{}//c"),
            Arguments.of("NUL padding", "{}\0\0\0\0\0\0"),
            Arguments.of("byte order mark", "\uFEFF{}"),
            Arguments.of("form feed is not JSON whitespace", "{}\f"),
            Arguments.of("single quotes", "{'t':1}"),
            Arguments.of("unquoted key", "{t:1}"),
            Arguments.of("lower-case dtype", withField("dtype", "\"u8\"")),
            Arguments.of("unknown dtype", withField("dtype", "\"F128\"")),
            Arguments.of("empty dtype", withField("dtype", "\"\"")),
            Arguments.of("dtype as number", withField("dtype", "5")),
            Arguments.of("dtype null", withField("dtype", "null")),
            Arguments.of("float in shape", withField("shape", "[1.0]")),
            Arguments.of("exponent in shape", withField("shape", "[1e0]")),
            Arguments.of("string in shape", withField("shape", "[\"1\"]")),
            Arguments.of("negative dim", withField("shape", "[-1]")),
            Arguments.of("negative zero dim", withField("shape", "[-0]")),
            Arguments.of("leading zero dim", withField("shape", "[01]")),
            Arguments.of("dim of 2^64", withField("shape", "[18446744073709551616]")),
            Arguments.of("dim with 400 digits", withField("shape", "[1" + "0".repeat(399) + "]")),
            Arguments.of("nested shape", withField("shape", "[[1]]")),
            Arguments.of("shape as number", withField("shape", "1")),
            Arguments.of("shape null", withField("shape", "null")),
            Arguments.of("shape as object", withField("shape", "{}")),
            Arguments.of("one offset", withField("data_offsets", "[0]")),
            Arguments.of("three offsets", withField("data_offsets", "[0,1,1]")),
            Arguments.of("float offset", withField("data_offsets", "[0,1.0]")),
            Arguments.of("string offsets", withField("data_offsets", "[\"0\",\"1\"]")),
            Arguments.of("negative offset", withField("data_offsets", "[-1,0]")),
            Arguments.of("offset of 2^64", withField("data_offsets", "[0,18446744073709551616]")),
            Arguments.of("offsets as object", withField("data_offsets", "{\"0\":1}")),
            Arguments.of("missing dtype", withEntry("{\"shape\":[1],\"data_offsets\":[0,1]}")),
            Arguments.of("missing shape", withEntry("{\"dtype\":\"U8\",\"data_offsets\":[0,1]}")),
            Arguments.of("missing data_offsets", withEntry("{\"dtype\":\"U8\",\"shape\":[1]}")),
            Arguments.of("duplicate dtype field", withEntry("{\"dtype\":\"U8\",\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}")),
            Arguments.of("field names are case-sensitive", withEntry("{\"Dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}")),
            Arguments.of("entry as number", withEntry("1")),
            Arguments.of("entry as string", withEntry("\"U8\"")),
            Arguments.of("entry as null", withEntry("null")),
            Arguments.of("entry array too short", withEntry("[\"U8\",[1]]")),
            Arguments.of("entry array too long", withEntry("[\"U8\",[1],[0,1],0]")),
            Arguments.of("empty entry array", withEntry("[]")),
            Arguments.of("metadata number value", withMetadata("{\"k\":1}")),
            Arguments.of("metadata object value", withMetadata("{\"k\":{}}")),
            Arguments.of("metadata array value", withMetadata("{\"k\":[\"v\"]}")),
            Arguments.of("metadata null value", withMetadata("{\"k\":null}")),
            Arguments.of("metadata boolean value", withMetadata("{\"k\":true}")),
            Arguments.of("metadata as array", withMetadata("[]")),
            Arguments.of("metadata as string", withMetadata("\"format=pt\"")),
            Arguments.of("duplicate __metadata__", "{\"__metadata__\":{},\"__metadata__\":{}}"),
            Arguments.of("duplicate __metadata__ after null", "{\"__metadata__\":null,\"__metadata__\":{\"a\":\"b\"}}"),
            Arguments.of("__metadata__ key is case-sensitive", "{\"__METADATA__\":{\"format\":\"pt\"}}"),
            Arguments.of("lone high surrogate in a name", "{\"\\ud800\":" + OK_ENTRY + "}"),
            Arguments.of("lone low surrogate in metadata", withMetadata("{\"k\":\"\\udc00\"}")),
            Arguments.of("reversed surrogate pair", withMetadata("{\"k\":\"\\ude00\\ud83d\"}")),
            Arguments.of("lone surrogate in an ignored field", withEntry("{\"x\":\"\\ud800\",\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}")),
            Arguments.of("raw control character in a string", withMetadata("{\"k\":\"a\u0001b\"}")),
            Arguments.of("invalid escape", withMetadata("{\"k\":\"\\x41\"}")),
            Arguments.of("short unicode escape", withMetadata("{\"k\":\"\\u41\"}")),
            Arguments.of("float out of f64 range in an ignored field", withEntry("{\"x\":1e400,\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}")),
            Arguments.of("integer out of f64 range in an ignored field", withEntry("{\"x\":1" + "0".repeat(400) + ",\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}")),
            Arguments.of("NaN in an ignored field", withEntry("{\"x\":NaN,\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}")),
            Arguments.of("128 nested arrays in an ignored field", withEntry("{\"x\":" + "[".repeat(126) + "]".repeat(126)
                + ",\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejected")
    void rejects(String description, String json) {
        assertParseFails(ErrorKind.INVALID_HEADER_DESERIALIZATION, file(json, 1));
    }

    @Test
    void namesTheTensorWhoseEntryIsWrong() {
        WiscaException e = assertParseFails(ErrorKind.INVALID_HEADER_DESERIALIZATION, file(withField("dtype", "\"f32\""), 1));
        assertEquals(java.util.Optional.of("t"), e.tensor());
        assertEquals("unknown dtype 'f32' (expected one of [BOOL, F4, F6_E2M3, F6_E3M2, U8, I8, F8_E5M2, F8_E4M3, F8_E8M0,"
            + " F8_E4M3FNUZ, F8_E5M2FNUZ, I16, U16, F16, BF16, I32, U32, F32, C64, F64, I64, U64])", e.detail());
    }

    @Test
    void nestingOneLevelShallowerIsAccepted() {
        // Object, entry object and 125 arrays: 127 levels, serde_json's deepest.
        String json = withEntry("{\"x\":" + "[".repeat(125) + "]".repeat(125) + ",\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}");
        assertEquals(1, parse(file(json, 1)).tensors().size());
    }

    @Test
    void theWithFieldHelperReallyReplacesTheField() {
        assertEquals("{\"t\":{\"dtype\":\"U8\",\"shape\":[7],\"data_offsets\":[0,1]}}", withField("shape", "[7]"));
        assertEquals("{\"t\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[9]}}", withField("data_offsets", "[9]"));
        assertEquals("{\"t\":{\"dtype\":\"x\",\"shape\":[1],\"data_offsets\":[0,1]}}", withField("dtype", "\"x\""));
    }
}
