package dev.wisca.io;

import static dev.wisca.io.TestFiles.FILE;
import static dev.wisca.io.TestFiles.assertParseFails;
import static dev.wisca.io.TestFiles.concat;
import static dev.wisca.io.TestFiles.entry;
import static dev.wisca.io.TestFiles.file;
import static dev.wisca.io.TestFiles.le64;
import static dev.wisca.io.TestFiles.rawHeaderFile;
import static dev.wisca.io.TestFiles.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** One test (or more) per reference error kind, on literal byte vectors, plus the order of the checks. */
class HeaderParserTest {

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7})
    void rejectsFilesShorterThanTheLengthField(int size) {
        WiscaException e = assertParseFails(ErrorKind.HEADER_TOO_SMALL, new byte[size]);
        assertEquals(Optional.of(FILE), e.path());
        assertTrue(e.getMessage().startsWith("HeaderTooSmall: test.safetensors: "), e.getMessage());
    }

    @Test
    void rejectsHeaderLongerThanTheLimit() {
        assertParseFails(ErrorKind.HEADER_TOO_LARGE, concat(le64(100_000_001L), utf8("{}")));
    }

    @ParameterizedTest
    @ValueSource(longs = {Long.MIN_VALUE, -1L, Long.MAX_VALUE})
    void readsTheLengthAsUnsigned64Bits(long bits) {
        assertParseFails(ErrorKind.HEADER_TOO_LARGE, le64(bits));
    }

    @Test
    void acceptsLengthAtTheLimitThenChecksTheFileLength() {
        assertParseFails(ErrorKind.INVALID_HEADER_LENGTH, concat(le64(100_000_000L), utf8("{}")));
    }

    @Test
    void rejectsHeaderRunningPastTheFileEnd() {
        byte[] header = utf8("{}");
        assertParseFails(ErrorKind.INVALID_HEADER_LENGTH, concat(le64(3), header));
        assertParseFails(ErrorKind.INVALID_HEADER_LENGTH, le64(1));
    }

    @Test
    void rejectsHeaderThatIsNotUtf8() {
        byte[][] invalid = {
            {(byte) 0xff},                                // never valid
            {(byte) 0xc0, (byte) 0xaf},                   // overlong '/'
            {(byte) 0xed, (byte) 0xa0, (byte) 0x80},      // UTF-16 surrogate encoded as UTF-8
            {(byte) 0xe2, (byte) 0x82},                   // truncated sequence
            {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // above U+10FFFF
        };
        for (byte[] bad : invalid) {
            WiscaException e = assertParseFails(ErrorKind.INVALID_HEADER, rawHeaderFile(concat(utf8("{\"a"), bad, utf8("\":1}")), 0));
            assertTrue(e.detail().contains("file offset 11"), e.detail());
        }
    }

    @Test
    void rejectsMalformedJson() {
        assertParseFails(ErrorKind.INVALID_HEADER_DESERIALIZATION, file("{\"a\":", 0));
    }

    @Test
    void rejectsGapBetweenTensorsNamingTheTensor() {
        String json = "{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("b", "F32", "[1]", 8, 12) + "}";
        WiscaException e = assertParseFails(ErrorKind.INVALID_OFFSET, file(json, 12));
        assertEquals(Optional.of("b"), e.tensor());
        assertTrue(e.getMessage().startsWith("InvalidOffset: test.safetensors[b]: data_offsets [8, 12] should begin at 4"), e.getMessage());
    }

    @Test
    void rejectsOverlappingTensors() {
        String json = "{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[1]", 4, 8) + "}";
        assertEquals(Optional.of("b"), assertParseFails(ErrorKind.INVALID_OFFSET, file(json, 8)).tensor());
    }

    @Test
    void rejectsFirstTensorNotAtZero() {
        String json = "{" + entry("a", "U8", "[2]", 2, 4) + "}";
        assertEquals(Optional.of("a"), assertParseFails(ErrorKind.INVALID_OFFSET, file(json, 4)).tensor());
    }

    @Test
    void rejectsEndBeforeBegin() {
        String json = "{" + entry("a", "U8", "[4]", 0, 4) + "," + entry("b", "U8", "[0]", 4, 2) + "}";
        WiscaException e = assertParseFails(ErrorKind.INVALID_OFFSET, file(json, 4));
        assertEquals(Optional.of("b"), e.tensor());
        assertTrue(e.detail().contains("end before they begin"), e.detail());
    }

    @Test
    void rejectsShapeProductOverflow() {
        String json = "{" + entry("a", "U8", "[4294967296,4294967296]", 0, 0) + "}";
        assertEquals(Optional.of("a"), assertParseFails(ErrorKind.VALIDATION_OVERFLOW, file(json, 0)).tensor());
    }

    @Test
    void rejectsBitCountOverflow() {
        // 2^62 elements fit in 64 bits; 2^62 * 32 bits do not.
        assertParseFails(ErrorKind.VALIDATION_OVERFLOW, file("{" + entry("a", "F32", "[4611686018427387904]", 0, 0) + "}", 0));
        // u64 max elements (valid in the reference's usize), times 8 bits.
        assertParseFails(ErrorKind.VALIDATION_OVERFLOW, file("{" + entry("a", "U8", "[18446744073709551615]", 0, 0) + "}", 0));
    }

    @Test
    void rejectsSubByteTensorsThatDoNotFillWholeBytes() {
        assertParseFails(ErrorKind.MISALIGNED_SLICE, file("{" + entry("a", "F6_E2M3", "[1]", 0, 1) + "}", 1));
        assertParseFails(ErrorKind.MISALIGNED_SLICE, file("{" + entry("a", "F4", "[3]", 0, 2) + "}", 2));
        assertParseFails(ErrorKind.MISALIGNED_SLICE, file("{" + entry("a", "F6_E3M2", "[2,3]", 0, 5) + "}", 5));
    }

    @Test
    void rejectsOffsetsThatDoNotMatchTheByteSize() {
        WiscaException e = assertParseFails(ErrorKind.TENSOR_INVALID_INFO, file("{" + entry("w", "F32", "[2]", 0, 4) + "}", 4));
        assertEquals(Optional.of("w"), e.tensor());
        assertTrue(e.detail().contains("needs 8 bytes"), e.detail());
    }

    @Test
    void rejectsTrailingBytesAfterTheLastTensor() {
        WiscaException e = assertParseFails(ErrorKind.METADATA_INCOMPLETE_BUFFER, file("{" + entry("a", "U8", "[2]", 0, 2) + "}", 3));
        assertTrue(e.detail().startsWith("1 bytes after the last tensor"), e.detail());
        assertParseFails(ErrorKind.METADATA_INCOMPLETE_BUFFER, file("{}", 1));
    }

    @Test
    void rejectsTruncatedData() {
        WiscaException e = assertParseFails(ErrorKind.METADATA_INCOMPLETE_BUFFER, file("{" + entry("a", "F64", "[2]", 0, 16) + "}", 15));
        assertTrue(e.detail().contains("truncated"), e.detail());
    }

    @Test
    void namesGitLfsPointerFiles() {
        String pointer = """
            version https://git-lfs.github.com/spec/v1
            oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393
            size 4976698672
            """;
        WiscaException e = assertParseFails(ErrorKind.GIT_LFS_POINTER, utf8(pointer));
        assertTrue(e.detail().contains("Git LFS pointer"), e.detail());
        assertTrue(e.detail().contains("git lfs pull"), e.detail());
        assertTrue(e.detail().contains("4976698672 bytes"), e.detail());
        assertTrue(e.getMessage().startsWith("GitLfsPointer: test.safetensors: "), e.getMessage());
    }

    @Test
    void headerTooLargeWinsOverAShortFile() {
        assertParseFails(ErrorKind.HEADER_TOO_LARGE, le64(1L << 40));
    }

    @Test
    void invalidUtf8WinsOverInvalidJson() {
        assertParseFails(ErrorKind.INVALID_HEADER, rawHeaderFile(new byte[] {'[', (byte) 0xff}, 0));
    }

    @Test
    void checksTensorsInOffsetOrderNotJsonOrder() {
        // JSON lists q (a gap) first, but p sorts first by offset and has the wrong size.
        String json = "{" + entry("q", "F32", "[1]", 10, 14) + "," + entry("p", "F32", "[1]", 0, 8) + "}";
        WiscaException e = assertParseFails(ErrorKind.TENSOR_INVALID_INFO, file(json, 14));
        assertEquals(Optional.of("p"), e.tensor());
    }

    @Test
    void checksOffsetsBeforeSizesOfTheSameTensor() {
        assertParseFails(ErrorKind.INVALID_OFFSET, file("{" + entry("a", "U8", "[4294967296,4294967296]", 1, 1) + "}", 1));
        assertParseFails(ErrorKind.MISALIGNED_SLICE, file("{" + entry("a", "F6_E2M3", "[1]", 0, 5) + "}", 5));
    }

    @Test
    void checksEveryTensorBeforeTheFileLength() {
        String json = "{" + entry("a", "U8", "[1]", 0, 1) + "," + entry("b", "U8", "[1]", 1, 3) + "}";
        assertParseFails(ErrorKind.TENSOR_INVALID_INFO, file(json, 99));
    }

    @Test
    void readsShapesAndOffsetsAsUnsigned64Bits() {
        String u64Max = "18446744073709551615";
        assertParseFails(ErrorKind.INVALID_OFFSET, file("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[" + u64Max + ",1]}}", 1));
        assertParseFails(ErrorKind.TENSOR_INVALID_INFO, file("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0," + u64Max + "]}}", 1));
        // 2^60 bytes are 2^63 bits: no u64 overflow (a signed long would overflow), so the walk passes.
        String twoTo60 = "1152921504606846976";
        assertParseFails(ErrorKind.METADATA_INCOMPLETE_BUFFER, file("{" + entry("a", "U8", "[" + twoTo60 + "]", 0, 1L << 60) + "}", 1));
    }

    @Test
    void rejectsHugeDimensionsOfEmptyTensorsThatALongCannotHold() {
        // The reference accepts this zero-size tensor (u64 dims); wisca holds dims in longs.
        String json = "{" + entry("a", "F32", "[9223372036854775808,0]", 0, 0) + "}";
        assertEquals(Optional.of("a"), assertParseFails(ErrorKind.VALIDATION_OVERFLOW, file(json, 0)).tensor());
    }

    @Test
    void parsesFromTheHeaderBytesAloneGivenTheFileLength() {
        byte[] whole = file("{" + entry("a", "F32", "[2]", 0, 8) + "}", 8);
        byte[] headerOnly = java.util.Arrays.copyOf(whole, whole.length - 8);
        Header header = HeaderParser.parse(headerOnly, whole.length, FILE);
        assertEquals(8, header.dataLength());
        assertParseFails(ErrorKind.METADATA_INCOMPLETE_BUFFER, headerOnly);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> HeaderParser.parse(java.util.Arrays.copyOf(whole, 20), whole.length, FILE));
    }
}
