package dev.wisca.io;

import static dev.wisca.io.TestFiles.entry;
import static dev.wisca.io.TestFiles.file;
import static dev.wisca.io.TestFiles.parse;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What the reference accepts, wisca accepts too. */
class HeaderAcceptanceTest {

    @Test
    void acceptsEmptyHeader() {
        Header header = parse(file("{}", 0));
        assertEquals(2, header.headerLength());
        assertTrue(header.tensors().isEmpty());
        assertTrue(header.metadata().isEmpty());
        assertEquals(10, header.dataStart());
    }

    @Test
    void acceptsTheReferenceWritersEmptyFile() {
        // serialize({}, None) in the reference: "{}" padded with spaces to 8 bytes.
        assertEquals(8, parse(file("{}      ", 0)).headerLength());
    }

    @Test
    void acceptsTheReferenceWritersSingleTensorFile() {
        // serialize({"attn.0": F32 [1,2,3]}, None) in the reference: N = 64 with no padding needed.
        String json = "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}";
        assertEquals(64, json.length());
        Header header = parse(file(json, 24));
        assertEquals(List.of(new TensorInfo("attn.0", Dtype.F32, new long[] {1, 2, 3}, 0, 24)), header.tensors());
    }

    @Test
    void acceptsJsonWhitespaceAroundTheObject() {
        Header header = parse(file(" \t\r\n{ \"a\" :\n{\"dtype\":\"U8\" , \"shape\":[ 2 ],\"data_offsets\":[0,2]} }\n\t\r ", 2));
        assertEquals(1, header.tensors().size());
    }

    @Test
    void acceptsZeroSizeTensorsSharingAnOffset() {
        String json = "{" + entry("e1", "F32", "[0]", 0, 0) + "," + entry("e2", "BF16", "[3,0,5]", 0, 0) + ","
            + entry("w", "I16", "[2]", 0, 4) + "," + entry("e3", "U8", "[0]", 4, 4) + "}";
        Header header = parse(file(json, 4));
        assertEquals(List.of("e1", "e2", "w", "e3"), names(header));
        assertEquals(0, header.tensor("e2").orElseThrow().elementCount());
    }

    @Test
    void acceptsRankZeroScalars() {
        Header header = parse(file("{" + entry("s", "F64", "[]", 0, 8) + "}", 8));
        TensorInfo scalar = header.tensors().getFirst();
        assertEquals(0, scalar.rank());
        assertEquals(1, scalar.elementCount());
    }

    @Test
    void acceptsEmptyNamesAndUnicodeEscapes() {
        String json = "{" + entry("", "U8", "[1]", 0, 1) + "," + entry("\\u00e9\\ud83d\\ude00\\n\\\"q\\\"", "U8", "[1]", 1, 2)
            + ",\"__metadata__\":{\"k\\u0041\":\"\\u4e2d\\/\"}}";
        Header header = parse(file(json, 2));
        assertEquals(List.of("", "é😀\n\"q\""), names(header));
        assertEquals(Map.of("kA", "中/"), header.metadata());
    }

    @Test
    void acceptsUnalignedOffsets() {
        String json = "{" + entry("b", "U8", "[1]", 0, 1) + "," + entry("f", "F32", "[1]", 1, 5) + "," + entry("d", "F64", "[1]", 5, 13) + "}";
        assertEquals(5, parse(file(json, 13)).tensor("d").orElseThrow().begin());
    }

    @Test
    void acceptsAnyJsonOrderAndSortsByOffset() {
        String json = "{" + entry("z", "U8", "[1]", 2, 3) + "," + entry("a", "U8", "[2]", 0, 2) + "}";
        assertEquals(List.of("a", "z"), names(parse(file(json, 3))));
    }

    @Test
    void keepsTheLastOfDuplicateTensorEntries() {
        String json = "{" + entry("a", "U8", "[4]", 0, 4) + "," + entry("a", "F32", "[1]", 0, 4) + "}";
        Header header = parse(file(json, 4));
        assertEquals(List.of(new TensorInfo("a", Dtype.F32, new long[] {1}, 0, 4)), header.tensors());
    }

    @Test
    void skipsUnknownFieldsOfAnyType() {
        String entry = "{\"a\":null,\"dtype\":\"U8\",\"b\":true,\"shape\":[1],\"c\":-1.5e300,\"d\":-7,\"e\":\"s\\u00e9\","
            + "\"data_offsets\":[0,1],\"f\":[1,[2,{}],\"x\"],\"g\":{\"k\":{\"n\":[]}},\"dtype2\":\"nonsense\",\"h\":1e-400}";
        Header header = parse(file("{\"t\":" + entry + "}", 1));
        assertEquals(Dtype.U8, header.tensors().getFirst().dtype());
    }

    @Test
    void acceptsEntriesWrittenAsArrays() {
        // serde's derived struct deserializer also takes [dtype, shape, data_offsets].
        Header header = parse(file("{\"t\":[\"I32\",[2],[0,8]]}", 8));
        assertEquals(List.of(new TensorInfo("t", Dtype.I32, new long[] {2}, 0, 8)), header.tensors());
    }

    @Test
    void readsNullMetadataAsAbsent() {
        assertTrue(parse(file("{\"__metadata__\":null}", 0)).metadata().isEmpty());
        assertTrue(parse(file("{\"__metadata__\":{}}", 0)).metadata().isEmpty());
    }

    @Test
    void keepsMetadataInFileOrderWithTheLastDuplicateValue() {
        Header header = parse(file("{\"__metadata__\":{\"z\":\"1\",\"a\":\"2\",\"m\":\"3\",\"a\":\"4\"}}", 0));
        assertEquals(List.of(Map.entry("z", "1"), Map.entry("a", "4"), Map.entry("m", "3")), new ArrayList<>(header.metadata().entrySet()));
    }

    @Test
    void acceptsMetadataAnywhereInTheObject() {
        String json = "{" + entry("a", "U8", "[1]", 0, 1) + ",\"__metadata__\":{\"format\":\"pt\"}}";
        assertEquals(Map.of("format", "pt"), parse(file(json, 1)).metadata());
    }

    @Test
    void acceptsNumbersInTheF64RangeInIgnoredFields() {
        String entry = "{\"x\":1" + "0".repeat(300) + ",\"y\":-1.7976931348623157e308,\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}";
        assertEquals(1, parse(file("{\"t\":" + entry + "}", 1)).tensors().size());
    }

    @ParameterizedTest
    @EnumSource(Dtype.class)
    void parsesEveryDtypeWithItsByteSize(Dtype dtype) {
        long elements = switch (dtype) {
            case F4 -> 2;                    // 8 bits
            case F6_E2M3, F6_E3M2 -> 4;      // 24 bits
            default -> 3;
        };
        long bytes = elements * dtype.bits() / 8;
        Header header = parse(file("{" + entry("t", dtype.name(), "[" + elements + "]", 0, bytes) + "}", (int) bytes));
        TensorInfo info = header.tensors().getFirst();
        assertEquals(dtype, info.dtype());
        assertEquals(bytes, info.byteLength());
        assertArrayEquals(new long[] {elements}, info.shape());
    }

    @Test
    void knowsTheSubByteSizes() {
        assertEquals(1, parse(file("{" + entry("t", "F4", "[2]", 0, 1) + "}", 1)).tensors().getFirst().byteLength());
        assertEquals(3, parse(file("{" + entry("t", "F6_E2M3", "[4]", 0, 3) + "}", 3)).tensors().getFirst().byteLength());
        assertEquals(3, parse(file("{" + entry("t", "F6_E3M2", "[2,2]", 0, 3) + "}", 3)).tensors().getFirst().byteLength());
    }

    @Test
    void parsesAFileHoldingAll22Dtypes() {
        StringBuilder json = new StringBuilder("{");
        long offset = 0;
        int[] expectedBytes = {1, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 8, 8, 8, 8};
        Dtype[] dtypes = Dtype.values();
        assertEquals(22, dtypes.length);
        for (int i = 0; i < dtypes.length; i++) {
            String shape = switch (dtypes[i]) {
                case F4 -> "[2]";
                case F6_E2M3, F6_E3M2 -> "[4]";
                default -> "[1]";
            };
            json.append(i == 0 ? "" : ",").append(entry(dtypes[i].name(), dtypes[i].name(), shape, offset, offset + expectedBytes[i]));
            offset += expectedBytes[i];
        }
        Header header = parse(file(json.append('}').toString(), (int) offset));
        for (int i = 0; i < dtypes.length; i++) {
            TensorInfo info = header.tensors().get(i);
            assertEquals(dtypes[i], info.dtype());
            assertEquals(expectedBytes[i], info.byteLength(), info::toString);
        }
    }

    private static List<String> names(Header header) {
        return header.tensors().stream().map(TensorInfo::name).toList();
    }
}
