package dev.wisca.cli;

import dev.wisca.io.Dtype;
import dev.wisca.io.SafetensorsWriter;
import dev.wisca.io.TensorSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Names from files are data: never a format string, and their control characters are escaped in text and errors. */
class InspectPrintingTest {
    @TempDir Path dir;

    private static boolean hasControlCharacters(String s) {
        return s.chars().anyMatch(c -> (c < 0x20 && c != '\n') || c == 0x7f || c == 0x202e);
    }

    @Test
    void aTensorNamedEmptyIsListed() {
        Path file = dir.resolve("empty-name.safetensors");
        try (SafetensorsWriter w = SafetensorsWriter.create(file, List.of(new TensorSpec("", Dtype.F32, new long[] {2})))) {
            w.write("", MemorySegment.ofArray(new float[] {1, 2}));
            w.commit();
        }
        Cli r = Cli.run("inspect", file.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("F32") && r.out().contains("[2]"), r.out());
        assertTrue(r.out().contains("1 tensors"), r.out());
    }

    @Test
    void controlCharactersInNamesAreEscapedWhenListed() {
        String evil = "model.\u001b[2J\u001b]0;owned\u0007x\nfake line\u202e";
        String percent = "w%n%s%-0s";
        Path file = dir.resolve("evil.safetensors");
        List<TensorSpec> specs = List.of(new TensorSpec(evil, Dtype.F32, new long[] {1}), new TensorSpec(percent, Dtype.F32, new long[] {1}));
        try (SafetensorsWriter w = SafetensorsWriter.create(file, specs)) {
            for (TensorSpec s : w.fileOrder()) w.write(s.name(), MemorySegment.ofArray(new float[] {1}));
            w.commit();
        }
        Cli r = Cli.run("inspect", file.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertFalse(hasControlCharacters(r.out()), r.out());
        assertTrue(r.out().contains("model.\\u001b[2J\\u001b]0;owned\\u0007x\\nfake line\\u202e"), r.out());
        assertTrue(r.out().contains(percent), "a name with % signs is printed as it is: " + r.out());
        assertEquals(2, r.out().lines().filter(l -> l.contains("F32") && l.contains("[1]")).count(), "one line per tensor: " + r.out());
    }

    @Test
    void controlCharactersInNamesAreEscapedInErrors() throws IOException {
        String header = "{\"bad\\u001b[31m\\nname\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve("bad.safetensors");
        Files.write(file, concat(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array(), h, new byte[4]));
        Cli r = Cli.run("inspect", file.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertFalse(hasControlCharacters(r.err()), r.err());
        assertTrue(r.err().contains("bad\\u001b[31m\\nname"), r.err());
    }

    private static byte[] concat(byte[]... parts) {
        ByteBuffer b = ByteBuffer.allocate(java.util.Arrays.stream(parts).mapToInt(p -> p.length).sum());
        for (byte[] p : parts) b.put(p);
        return b.array();
    }
}
