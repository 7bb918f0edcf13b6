package dev.wisca.io;

import static dev.wisca.io.TestFiles.assertFails;
import static dev.wisca.io.TestFiles.concat;
import static dev.wisca.io.TestFiles.entry;
import static dev.wisca.io.TestFiles.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {
    @TempDir
    Path dir;

    /** u8 [3] = 1,2,3; f32 [2] = 1.5,-2 at the unaligned offset 3; f64 [] = pi; i64 [2]; c64 [1]; i32 [2,1]. */
    private Path writeMixedFile() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(3 + 8 + 8 + 16 + 8 + 8).order(ByteOrder.LITTLE_ENDIAN);
        data.put((byte) 1).put((byte) 2).put((byte) 0xff);
        data.putFloat(1.5f).putFloat(-2f);
        data.putDouble(Math.PI);
        data.putLong(Long.MIN_VALUE).putLong(-1L);
        data.putFloat(3f).putFloat(-4f);
        data.putInt(-7).putInt(Integer.MAX_VALUE);
        String json = "{\"__metadata__\":{\"format\":\"pt\",\"note\":\"mixed\"},"
            + entry("bytes", "U8", "[3]", 0, 3) + "," + entry("floats", "F32", "[2]", 3, 11) + ","
            + entry("pi", "F64", "[]", 11, 19) + "," + entry("longs", "I64", "[2]", 19, 35) + ","
            + entry("complex", "C64", "[1]", 35, 43) + "," + entry("ints", "I32", "[2,1]", 43, 51) + "}";
        return write("mixed.safetensors", TestFiles.file(json, data.array()));
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    @Test
    void readsTypedValuesThroughZeroCopySlices() throws IOException {
        Path path = writeMixedFile();
        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            Tensor bytes = file.tensor("bytes");
            assertEquals(1, Elements.u8(bytes.data(), 0));
            assertEquals(255, Elements.u8(bytes.data(), 2));
            assertEquals(-1, Elements.i8(bytes.data(), 2));
            Tensor floats = file.tensor("floats");
            assertEquals(1.5f, Elements.f32(floats.data(), 0));
            assertEquals(-2f, Elements.f32(floats.data(), 1));
            assertEquals(Math.PI, Elements.f64(file.tensor("pi").data(), 0));
            assertEquals(Long.MIN_VALUE, Elements.i64(file.tensor("longs").data(), 0));
            assertEquals("18446744073709551615", Long.toUnsignedString(Elements.u64(file.tensor("longs").data(), 1)));
            assertEquals(3f, Elements.c64Real(file.tensor("complex").data(), 0));
            assertEquals(-4f, Elements.c64Imag(file.tensor("complex").data(), 0));
            assertEquals(-7, Elements.i32(file.tensor("ints").data(), 0));
            assertEquals(Integer.MAX_VALUE, Elements.i32(file.tensor("ints").data(), 1));
            assertEquals(4294967289L, Elements.u32(file.tensor("ints").data(), 0));

            assertEquals(8, floats.data().byteSize());
            assertTrue(floats.data().isMapped());
            assertTrue(floats.data().isReadOnly());
            assertEquals(path, floats.file());
            assertEquals(List.of(2L), List.of(floats.shape()[0]));
        }
    }

    @Test
    void exposesHeaderMetadataAndOffsetOrder() throws IOException {
        Path path = writeMixedFile();
        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            assertEquals(List.of("bytes", "floats", "pi", "longs", "complex", "ints"),
                file.tensors().stream().map(TensorInfo::name).toList());
            assertEquals(List.of(Map.entry("format", "pt"), Map.entry("note", "mixed")), List.copyOf(file.metadata().entrySet()));
            assertEquals(Files.size(path), file.fileSize());
            assertEquals(path, file.path());
            assertEquals(file.fileSize(), file.header().dataStart() + file.header().dataLength());
        }
    }

    @Test
    void findsAndMissesTensorsByName() throws IOException {
        try (SafetensorsFile file = SafetensorsFile.open(writeMixedFile())) {
            assertTrue(file.find("pi").isPresent());
            assertEquals(Optional.empty(), file.find("PI"));
            WiscaException e = assertFails(ErrorKind.TENSOR_NOT_FOUND, () -> file.tensor("missing"));
            assertEquals(Optional.of("missing"), e.tensor());
            assertTrue(e.getMessage().contains("mixed.safetensors[missing]"), e.getMessage());
        }
    }

    @Test
    void rejectsEmptyAndTinyFilesAsHeaderTooSmall() throws IOException {
        assertFails(ErrorKind.HEADER_TOO_SMALL, () -> SafetensorsFile.open(write("empty.safetensors", new byte[0])));
        assertFails(ErrorKind.HEADER_TOO_SMALL, () -> SafetensorsFile.open(write("tiny.safetensors", new byte[7])));
    }

    @Test
    void reportsValidationErrorsWithTheFile() throws IOException {
        Path path = write("bad.safetensors", TestFiles.file("{" + entry("w", "F32", "[2]", 0, 4) + "}", 4));
        WiscaException e = assertFails(ErrorKind.TENSOR_INVALID_INFO, () -> SafetensorsFile.open(path));
        assertEquals(Optional.of(path), e.path());
        assertEquals(Optional.of("w"), e.tensor());
    }

    @Test
    void explainsGitLfsPointerFiles() throws IOException {
        Path path = write("model.safetensors", utf8("version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 123\n"));
        WiscaException e = assertFails(ErrorKind.GIT_LFS_POINTER, () -> SafetensorsFile.open(path));
        assertTrue(e.getMessage().contains("git lfs pull"), e.getMessage());
    }

    @Test
    void reportsMissingFilesAndDirectoriesAsIo() {
        Path missing = dir.resolve("nope.safetensors");
        WiscaException e = assertFails(ErrorKind.IO, () -> SafetensorsFile.open(missing));
        assertEquals(Optional.of(missing), e.path());
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
        assertEquals(Optional.of(dir), assertFails(ErrorKind.IO, () -> SafetensorsFile.open(dir)).path());
    }

    @Test
    void refusesUseAfterCloseAndClosesTwice() throws IOException {
        SafetensorsFile file = SafetensorsFile.open(writeMixedFile());
        Tensor pi = file.tensor("pi");
        file.close();
        file.close();
        assertThrows(IllegalStateException.class, () -> file.tensor("pi"));
        assertThrows(IllegalStateException.class, () -> Elements.f64(pi.data(), 0));
        assertFalse(file.tensors().isEmpty());
    }

    @Test
    void opensAFileWithoutTensors() throws IOException {
        byte[] bytes = concat(TestFiles.le64(8), utf8("{}      "));
        try (SafetensorsFile file = SafetensorsFile.open(write("none.safetensors", bytes))) {
            assertTrue(file.tensors().isEmpty());
            assertEquals(16, file.fileSize());
        }
    }

    @Test
    void mapsOnlyWhatTheHeaderDescribesAndCopiesNothing() throws IOException {
        try (SafetensorsFile file = SafetensorsFile.open(writeMixedFile())) {
            Tensor a = file.tensor("floats");
            Tensor b = file.tensor("floats");
            assertEquals(a.data().address(), b.data().address());
            assertEquals(file.tensor("bytes").data().address() + 3, a.data().address());
        }
    }
}
