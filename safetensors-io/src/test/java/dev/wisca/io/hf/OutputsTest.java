package dev.wisca.io.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The output gate: overlap by identity (not spelling), occupied outputs, the swap, leftover temps. */
class OutputsTest {
    @TempDir Path dir;

    private Path folderWith(String name, String... files) throws IOException {
        Path f = Files.createDirectories(dir.resolve(name));
        for (String file : files) Files.writeString(f.resolve(file), file);
        return f;
    }

    private static ErrorKind refusal(Runnable r) {
        return assertThrows(WiscaException.class, r::run).kind();
    }

    @Test
    void refusesTheInputThroughASymlinkAnotherSpellingOrAHardLink() throws IOException {
        Path in = folderWith("in", "model.safetensors");
        Path link = Files.createSymbolicLink(dir.resolve("link"), in);
        assertEquals(ErrorKind.OUTPUT_OVERLAPS_INPUT, refusal(() -> Outputs.checkApart(link, List.of(in))));
        assertEquals(ErrorKind.OUTPUT_OVERLAPS_INPUT, refusal(() -> Outputs.checkApart(dir.resolve("x/../in/."), List.of(in))));
        Path file = in.resolve("model.safetensors");
        Path hard = Files.createLink(dir.resolve("hard.safetensors"), file);
        assertEquals(ErrorKind.OUTPUT_OVERLAPS_INPUT, refusal(() -> Outputs.checkApart(hard, List.of(file))));
    }

    @Test
    void refusesAnOutputInsideAnInputFolderOrAroundAnInput() throws IOException {
        Path in = folderWith("in", "model.safetensors");
        assertEquals(ErrorKind.OUTPUT_OVERLAPS_INPUT, refusal(() -> Outputs.checkApart(in.resolve("sub/out"), List.of(in))));
        assertEquals(ErrorKind.OUTPUT_OVERLAPS_INPUT, refusal(() -> Outputs.checkApart(dir, List.of(in))));
        Path linkToDir = Files.createSymbolicLink(dir.resolve("alias"), dir);
        assertEquals(ErrorKind.OUTPUT_OVERLAPS_INPUT, refusal(() -> Outputs.checkApart(linkToDir.resolve("in/new"), List.of(in))));
        Outputs.checkApart(dir.resolve("in-wisca"), List.of(in));  // a sibling whose name starts alike is apart
        Outputs.checkApart(in.resolve("model.safetensors").resolveSibling("../out.safetensors"), List.of(in.resolve("model.safetensors")));
    }

    @Test
    void anOccupiedFolderIsRefusedUntouchedWithoutReplace() throws IOException {
        Path out = folderWith("out", "old.txt");
        WiscaException e = assertThrows(WiscaException.class, () -> Outputs.folder(out, Overwrite.NEVER, List.of(), staging -> {
            throw new AssertionError("nothing may be built for a refused output");
        }));
        assertEquals(ErrorKind.OUTPUT_EXISTS, e.kind());
        assertTrue(e.getMessage().contains("--force"), e.getMessage());
        assertEquals(List.of("old.txt"), names(out));
    }

    @Test
    void replaceLeavesExactlyTheNewFilesAndNoTemps() throws IOException {
        Path out = folderWith("out", "model-00001-of-00002.safetensors", "stale.txt");
        Outputs.folder(out, Overwrite.REPLACE, List.of(), staging -> write(staging.resolve("model.safetensors")));
        assertEquals(List.of("model.safetensors"), names(out));
        assertEquals(List.of("out"), names(dir));
    }

    @Test
    void throughASymlinkTheNewFolderLandsWhereItPoints() throws IOException {
        Path real = folderWith("real", "old.txt");
        Path link = Files.createSymbolicLink(dir.resolve("link"), real);
        Outputs.folder(link, Overwrite.REPLACE, List.of(), staging -> write(staging.resolve("model.safetensors")));
        assertTrue(Files.isSymbolicLink(link));
        assertEquals(List.of("model.safetensors"), names(real));
    }

    @Test
    void aFailedBuildLeavesTheOldFolderAsItWas() throws IOException {
        Path out = folderWith("out", "keep.txt");
        assertThrows(IllegalStateException.class, () -> Outputs.folder(out, Overwrite.REPLACE, List.of(), staging -> {
            write(staging.resolve("half.safetensors"));
            throw new IllegalStateException("killed");
        }));
        assertEquals(List.of("keep.txt"), names(out));
        assertEquals(List.of("out"), names(dir));
    }

    @Test
    void anEmptyFolderOrOneWithOnlyOurTempsIsFree() throws IOException {
        Path out = folderWith("out", ".model.safetensors.tmp-0123456789abcdef");
        Outputs.folder(out, Overwrite.NEVER, List.of(), staging -> write(staging.resolve("model.safetensors")));
        assertEquals(List.of("model.safetensors"), names(out));
    }

    @Test
    void leftoverTempsOfAKilledRunAreRemovedAndNothingElse() throws IOException {
        Path parent = folderWith("p", ".out.tmp-0123456789abcdef", ".other.tmp-0123456789abcdef", ".out.tmp-notours", "user.txt");
        Files.createDirectory(parent.resolve(".out.tmp-fedcba9876543210"));
        Files.writeString(parent.resolve(".out.tmp-fedcba9876543210/model.safetensors"), "half");
        Outputs.folder(parent.resolve("out"), Overwrite.NEVER, List.of(), staging -> write(staging.resolve("model.safetensors")));
        assertEquals(List.of(".other.tmp-0123456789abcdef", ".out.tmp-notours", "out", "user.txt"), names(parent));
        Files.writeString(parent.resolve(".r.safetensors.tmp-00000000000000ff"), "half");
        Outputs.file(parent.resolve("r.safetensors"), Overwrite.NEVER, List.of(), target -> write(target));
        assertFalse(Files.exists(parent.resolve(".r.safetensors.tmp-00000000000000ff")));
    }

    @Test
    void anExistingFileIsRefusedWithoutReplaceAndReplacedWithIt() throws IOException {
        Path file = Files.writeString(dir.resolve("r.html"), "old");
        assertEquals(ErrorKind.OUTPUT_EXISTS, refusal(() -> Outputs.file(file, Overwrite.NEVER, List.of(), target -> write(target))));
        assertEquals("old", Files.readString(file));
        Outputs.file(file, Overwrite.REPLACE, List.of(), target -> write(target));
        assertEquals("new", Files.readString(file));
    }

    private static Path write(Path file) {
        AtomicFiles.write(file, "new".getBytes());
        return file;
    }

    static List<String> names(Path folder) {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
