package dev.wisca.io.inplace;

import dev.wisca.io.FileChannels;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wisca.io.AtomicMove;
import dev.wisca.io.DirectorySync;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.io.hf.TempNames;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import java.util.Arrays;

/**
 * The write-ahead journal of an in-place rewrite: for every byte range about to be overwritten either
 * its before-image (a header that gains its stamp, tensors whose scaling is not exactly invertible) or,
 * for a tensor scaled by powers of two exactly (see {@link Pow2Scaling}), only that scaling and two
 * checksums of each 4 KiB page of its original bytes ({@link PageSums}), from which {@link ShiftedPages}
 * restores the original (the inverse plan alone); and the prior content of every side stamp about to
 * be written. Layout: magic {@code WISCAJ2\n}, the descriptor's length (8 bytes, little endian), the
 * descriptor (JSON: files with their size, image ranges and shifted ranges, side stamps with their
 * prior content), the images in descriptor order, then the page sums of the shifted ranges in
 * descriptor order (8 bytes a page); once the rewrite is durable, a 16-byte commit record
 * ({@code WISCACOM} and its own offset) is appended. A journal of the first layout ({@code WISCAJ1},
 * images only) is still recovered.
 *
 * <h2>Why a process killed at any instant leaves the original or the result, never a mix</h2>
 * The order of writes and fsyncs is the argument; every step is durable before the next starts:
 * <ol>
 *   <li>The journal is written to a temp name, fsynced (images, page sums and descriptor on disk), renamed to its
 *       name, and the folder fsynced. Before the rename completes nothing of the checkpoint has changed
 *       and the journal does not exist under its name: a crash leaves the original (and a temp file,
 *       removed by the next lock holder).</li>
 *   <li>Only then are the ranges overwritten in place and each shard fsynced (fdatasyncs while it is
 *       being overwritten only start its writeback early, {@link EarlyWriteback}: the kernel may write
 *       any page back at any time anyway, so they order nothing), then side stamps written
 *       (temp, fsync, rename) and the folder fsynced. A crash anywhere here finds a journal without
 *       commit record: {@link #recover} copies every image back and restores every shifted page that
 *       is not its original (rescaled or torn, told apart by its sums: {@link ShiftedPages}), both
 *       idempotent (a crash during the roll back is rolled back again), fsyncs, restores the stamps and
 *       removes the journal: the original.</li>
 *   <li>The commit record is appended and the journal fsynced: this is the commit point. A crash after it
 *       finds a committed journal, whose ranges are durable already: {@link #recover} only removes it
 *       (roll forward): the result.</li>
 *   <li>Cleanup removes the journal and fsyncs the folder.</li>
 * </ol>
 * Every command opens checkpoints through {@code Checkpoint.open}, which runs {@link Recovery} first,
 * so nobody reads a checkpoint between a crash and its recovery. Recovery holds the {@link InPlaceLock},
 * so it never rolls back under a live rewrite.
 */
public final class UndoJournal {
    static final byte[] MAGIC = "WISCAJ2\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MAGIC_IMAGES_ONLY = "WISCAJ1\n".getBytes(StandardCharsets.US_ASCII);
    static final byte[] COMMIT = "WISCACOM".getBytes(StandardCharsets.US_ASCII);
    /** Made on first use: every checkpoint open asks {@link #present}, and a mapper loads ~370 classes. */
    private static final class Descriptors {
        static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    /** One byte range of a file in the checkpoint folder. */
    public record Span(long offset, long length) {}

    /** A tensor's byte range of a file about to be scaled by {@code scaling}, exactly invertible. */
    public record ShiftSpan(String tensor, long offset, long length, Pow2Scaling scaling) {}

    /**
     * A file of the folder (a plain name), its size, the ranges about to be overwritten whose
     * before-images the journal holds, and those it restores from their page sums and the inverse scaling.
     */
    public record FileSpans(String name, long size, List<Span> spans, List<ShiftSpan> shifts) {
        public FileSpans {
            shifts = shifts == null ? List.of() : shifts;   // absent from the images-only layout
        }
    }

    /** A side stamp file about to be written, and its content now ({@code null}: it does not exist). */
    public record StampBefore(String name, String before) {}

    record Descriptor(List<FileSpans> files, List<StampBefore> stamps) {}

    private final Path folder;
    private final Path file;
    private final long imagesEnd;
    private boolean committed;

    private UndoJournal(Path folder, Path file, long imagesEnd) {
        this.folder = folder;
        this.file = file;
        this.imagesEnd = imagesEnd;
    }

    public Path path() { return file; }

    /**
     * Step 1: writes the before-images of {@code files}, the page sums of their shifted ranges ({@code
     * pageSums}, one array per shift span in order, as {@link PageSums} records them) and the prior
     * content of {@code stamps} (plain names in {@code folder}) durably under the journal's name. The
     * caller holds the lock and computed the sums from the files as they are.
     */
    public static UndoJournal prepare(Path folder, String baseName, List<FileSpans> files, List<int[]> pageSums, List<String> stamps) {
        Path journal = InPlaceNames.journal(folder, baseName);
        List<StampBefore> before = stamps.stream().map(s -> new StampBefore(s, readIfExists(folder.resolve(plain(s, journal))))).toList();
        byte[] descriptor;
        try {
            descriptor = Descriptors.MAPPER.writeValueAsBytes(new Descriptor(files, before));
        } catch (IOException e) {
            throw new IllegalStateException("journal descriptors always serialise", e);
        }
        Path temp = TempNames.beside(journal);
        long end;
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer head = ByteBuffer.allocate(16 + descriptor.length).order(ByteOrder.LITTLE_ENDIAN);
            head.put(MAGIC).putLong(descriptor.length).put(descriptor).flip();
            FileChannels.writeFully(out, head);
            for (FileSpans f : files) {
                try (FileChannel in = FileChannel.open(folder.resolve(plain(f.name(), journal)), StandardOpenOption.READ)) {
                    if (in.size() != f.size()) throw changed(folder.resolve(f.name()), f.size(), in.size());
                    for (Span s : f.spans()) copy(in, s.offset(), s.length(), out);   // in-kernel (copy_file_range)
                }
            }
            int shift = 0;
            for (FileSpans f : files) {
                for (ShiftSpan s : f.shifts()) {
                    int[] sums = pageSums.get(shift++);
                    if (sums.length != 2 * PageSums.pages(s.offset(), s.length())) throw new IllegalArgumentException("page sums of " + s.tensor());
                    ByteBuffer b = ByteBuffer.allocate(4 * sums.length).order(ByteOrder.LITTLE_ENDIAN);
                    b.asIntBuffer().put(sums);
                    FileChannels.writeFully(out, b);
                }
            }
            if (shift != pageSums.size()) throw new IllegalArgumentException(pageSums.size() + " page sums for " + shift + " shifted ranges");
            end = out.position();
            out.force(true);                     // (1) images durable before the journal has its name
        } catch (IOException | RuntimeException e) {
            deleteQuietly(temp);
            if (e instanceof RuntimeException r) throw r;
            throw new WiscaException(ErrorKind.IO, journal, null, "cannot write the in-place journal: " + e, e);
        }
        try {
            AtomicMove.replace(temp, journal);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new WiscaException(ErrorKind.IO, journal, null, "cannot publish the in-place journal: " + e, e);
        }
        DirectorySync.sync(folder);              // (1) the journal's name durable before any byte is overwritten
        return new UndoJournal(folder, journal, end);
    }

    /** Step 3, the commit point: the caller has fsynced every overwritten file and written every stamp. */
    public void commit() {
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer record = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).put(COMMIT).putLong(imagesEnd).flip();
            FileChannels.writeFully(out, record, imagesEnd + record.position());
            out.force(true);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, file, null, "cannot write the commit record: " + e, e);
        }
        committed = true;
    }

    /** Step 4: removes the journal (committed or rolled back). */
    public void cleanup() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, file, null, "cannot remove the in-place journal: " + e, e);
        }
        FaultPoint.at("cleanup");
        DirectorySync.sync(folder);
    }

    /** After a failure before the commit: puts every image back and removes the journal. */
    public void rollBack() {
        if (committed) throw new IllegalStateException("committed journals are rolled forward");
        recoverLocked(folder, file);
    }

    /** Whether a journal is present for {@code baseName} in {@code folder}. */
    public static boolean present(Path folder, String baseName) {
        return Files.exists(InPlaceNames.journal(folder, baseName), LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Rolls the journal at {@code journal} back (no commit record) or forward (commit record), then
     * removes it. The caller holds the lock. Refuses with UNFINISHED_JOURNAL, naming the journal, what
     * it cannot read or apply; the journal then stays for a person to look at.
     */
    static void recoverLocked(Path folder, Path journal) {
        if (Files.isSymbolicLink(journal)) throw unfinished(journal, "is a symbolic link; wisca writes its journal as a plain file");
        removeTemps(folder, journal);
        try (FileChannel in = FileChannel.open(journal, StandardOpenOption.READ)) {
            long size = in.size();
            ByteBuffer head = readFully(in, 0, 16, journal);
            byte[] magic = new byte[8];
            head.get(magic);
            if (!Arrays.equals(magic, MAGIC) && !Arrays.equals(magic, MAGIC_IMAGES_ONLY)) throw unfinished(journal, "is not a wisca journal (bad magic)");
            long length = head.order(ByteOrder.LITTLE_ENDIAN).getLong(8);
            if (length < 2 || length > size - 16 || length > Integer.MAX_VALUE) throw unfinished(journal, "has a bad descriptor length " + length);
            Descriptor d = Descriptors.MAPPER.readValue(readFully(in, 16, (int) length, journal).array(), Descriptor.class);
            long imagesEnd = 16 + length;
            for (FileSpans f : d.files()) for (Span s : f.spans()) imagesEnd += s.length();
            for (FileSpans f : d.files()) for (ShiftSpan s : f.shifts()) imagesEnd += 8L * PageSums.pages(s.offset(), s.length());
            if (size == imagesEnd + 16 && isCommit(readFully(in, imagesEnd, 16, journal), imagesEnd)) {
                FaultPoint.at("recover-forward");
            } else if (size == imagesEnd) {
                rollBack(folder, journal, in, d, 16 + length);
            } else {
                throw unfinished(journal, "has " + size + " bytes where its descriptor says " + imagesEnd
                    + " (or " + (imagesEnd + 16) + " committed)");
            }
        } catch (NoSuchFileException gone) {
            return;   // recovered by whoever held the lock before us
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.UNFINISHED_JOURNAL, journal, null, "cannot recover the checkpoint from this"
                + " in-place journal: " + e.getMessage() + "; it stays until a wisca command can roll it back (check permissions and free space)", e);
        }
        try {
            Files.deleteIfExists(journal);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.UNFINISHED_JOURNAL, journal, null, "cannot remove the recovered journal: " + e, e);
        }
        DirectorySync.sync(folder);
    }

    private static void rollBack(Path folder, Path journal, FileChannel in, Descriptor d, long imagesStart) throws IOException {
        long position = imagesStart;
        long sumsAt = imagesStart;
        for (FileSpans f : d.files()) for (Span s : f.spans()) sumsAt += s.length();
        for (FileSpans f : d.files()) {
            Path target = folder.resolve(plain(f.name(), journal));
            try (FileChannel out = FileChannel.open(target, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                if (out.size() != f.size()) throw unfinished(journal, "was made for " + f.name() + " of " + f.size() + " bytes, it has " + out.size() + " now");
                for (Span s : f.spans()) {
                    if (s.offset() < 0 || s.length() < 0 || s.offset() + s.length() > f.size()) {
                        throw unfinished(journal, "names bytes outside " + f.name());
                    }
                    out.position(s.offset());
                    copy(in, position, s.length(), out);
                    position += s.length();
                    FaultPoint.at("rollback-span");
                }
                for (ShiftSpan s : f.shifts()) {
                    if (s.offset() < 0 || s.length() < 0 || s.offset() + s.length() > f.size() || s.scaling() == null
                        || s.offset() % Pow2Scaling.ELEMENT_BYTES != 0 || s.length() != s.scaling().elements() * Pow2Scaling.ELEMENT_BYTES) {
                        throw unfinished(journal, "names a scaled range that does not fit " + f.name());
                    }
                    int pages = PageSums.pages(s.offset(), s.length());
                    int[] sums = new int[2 * pages];
                    readFully(in, sumsAt, 8 * pages, journal).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(sums);
                    sumsAt += 8L * pages;
                    ShiftedPages.restore(out, s, sums, target, journal);
                }
                out.force(false);
            }
        }
        for (StampBefore s : d.stamps()) {
            Path stamp = folder.resolve(plain(s.name(), journal));
            if (s.before() == null) Files.deleteIfExists(stamp);
            else writeAtomically(stamp, s.before());
        }
        DirectorySync.sync(folder);
    }

    private static boolean isCommit(ByteBuffer record, long imagesEnd) {
        byte[] magic = new byte[8];
        record.get(magic);
        return Arrays.equals(magic, COMMIT) && record.order(ByteOrder.LITTLE_ENDIAN).getLong(8) == imagesEnd;
    }

    /** Writes a small text file whole: temp, fsync, rename (the folder is fsynced by the caller). */
    public static void writeAtomically(Path target, String text) {
        Path temp = TempNames.beside(target);
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
                FileChannels.writeFully(ch, b);
                ch.force(true);
            }
            AtomicMove.replace(temp, target);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new WiscaException(ErrorKind.IO, target, null, "cannot write: " + e, e);
        }
    }

    private static void copy(FileChannel in, long position, long count, FileChannel out) throws IOException {
        long done = FileChannels.transferFully(in, position, count, out);
        if (done < count) throw new IOException("copy made no progress at byte " + (position + done) + " (file shorter than expected)");
    }

    private static ByteBuffer readFully(FileChannel in, long position, int length, Path journal) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        if (!FileChannels.readFully(in, b, position)) throw unfinished(journal, "ends before its descriptor does");
        return b.flip();
    }

    /** A journal only ever names plain files of its folder; anything else was planted and is refused. */
    private static String plain(String name, Path journal) {
        if (name == null || name.isEmpty() || name.equals(".") || name.equals("..") || name.contains("/") || name.contains("\\")
            || name.indexOf('\0') >= 0) {
            throw unfinished(journal, "names '" + name + "', not a file of its folder");
        }
        return name;
    }

    private static String readIfExists(Path file) {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, file, null, "cannot read: " + e, e);
        }
    }

    /** Whether a crash left journal temps in {@code folder} (see {@link #removeTemps}). */
    static boolean hasTemps(Path folder, Path journal) {
        String name = journal.getFileName().toString();
        try (Stream<Path> entries = Files.list(folder)) {
            return entries.anyMatch(p -> TempNames.isOursFor(p.getFileName().toString(), name));
        } catch (IOException e) {
            return false;   // unreadable folder: the open that follows reports it
        }
    }

    /** Journal temps left by a crash while the journal was being written (never published: the checkpoint is intact). */
    static void removeTemps(Path folder, Path journal) {
        String name = journal.getFileName().toString();
        try (Stream<Path> entries = Files.list(folder)) {
            for (Path p : entries.toList()) {
                if (TempNames.isOursFor(p.getFileName().toString(), name)) Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, folder, null, "cannot remove an unfinished journal temp: " + e, e);
        }
    }

    private static WiscaException changed(Path file, long expected, long now) {
        return new WiscaException(ErrorKind.FILE_CHANGED, file, null, "it has " + now + " bytes where " + expected + " were expected");
    }

    private static WiscaException unfinished(Path journal, String what) {
        return WiscaException.of(ErrorKind.UNFINISHED_JOURNAL, journal, "an in-place rewrite's journal " + what
            + "; the checkpoint may be half rewritten: restore it from a copy, then remove this journal");
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // Already failing; the next lock holder removes the temp.
        }
    }

}
