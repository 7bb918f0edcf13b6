package dev.wisca.hooks.watch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wisca.sdk.OutputFiles;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;

/**
 * The watcher's notes inside a checkpoint folder, each written whole (temp file, fsync, rename):
 * the journal ({@value #JOURNAL}) says a rescale is staging or swapping files, the marker
 * ({@value #MARKER}) that it finished. A watcher killed at any point finds one of: nothing (start
 * over), a staging journal (originals intact: discard the staging folder, start over), a swapping
 * journal (every staged file is complete: finish the moves), or the marker (done).
 */
final class Journal {
    static final String JOURNAL = ".wisca-journal.json";
    static final String MARKER = ".wisca-applied.json";
    static final String STAGING = ".wisca-staging";
    /** The applied plan, saved in the rescaled checkpoint (for {@code wisca undo}). */
    static final String PLAN = ".wisca-plan";

    enum Phase { STAGING, SWAPPING }

    /** @param files staged file names, moved over the originals in this order (the index last) */
    record Entry(Phase phase, String planHash, List<String> files) {}

    /**
     * @param planHash the applied plan's hash
     * @param output   the folder written (itself when in place)
     * @param plan     the folder the applied plan was saved in ({@code wisca undo OUTPUT --plan PLAN}), empty when none
     */
    record Marker(String planHash, int sites, String output, String plan) {}

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Journal() {}

    /** The journal, its names checked ({@link JournalCheck}): a planted one is refused, never followed. */
    static Optional<Entry> read(Path folder) { return readJson(folder.resolve(JOURNAL), Entry.class).map(e -> JournalCheck.check(folder, e)); }

    static Optional<Marker> marker(Path folder) { return readJson(folder.resolve(MARKER), Marker.class); }

    static void write(Path folder, Entry entry) { writeAtomically(folder.resolve(JOURNAL), entry); }

    static void mark(Path folder, Marker marker) { writeAtomically(folder.resolve(MARKER), marker); }

    static void clear(Path folder) {
        try {
            Files.deleteIfExists(folder.resolve(JOURNAL));
            OutputFiles.syncFolder(folder);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, folder.resolve(JOURNAL), null, "cannot remove the journal: " + e, e);
        }
    }

    private static <T> Optional<T> readJson(Path file, Class<T> type) {
        if (Files.isSymbolicLink(file)) {
            throw WiscaException.of(ErrorKind.INVALID_ARGUMENT, file, "is a symbolic link; the watcher writes its notes as plain files: remove it");
        }
        if (!Files.isRegularFile(file)) return Optional.empty();
        try {
            return Optional.of(MAPPER.readValue(file.toFile(), type));
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, file, null, "unreadable watcher note (written whole, so not ours?): " + e.getMessage(), e);
        }
    }

    static void writeAtomically(Path target, Object value) {
        byte[] bytes;
        try {
            bytes = MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("journal records always serialise", e);
        }
        Path temp = target.resolveSibling(target.getFileName() + ".tmp");
        try {
            // A planted temp (a symbolic link to a file elsewhere) is removed, never written through.
            Files.deleteIfExists(temp);
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) ch.write(b);
                ch.force(true);
            }
            OutputFiles.replace(temp, target);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, target, null, "cannot write: " + e, e);
        }
        OutputFiles.syncFolder(target.getParent());
    }
}
