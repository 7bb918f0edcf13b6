package dev.wisca.io.torch;

import dev.wisca.io.FileChannels;
import dev.wisca.io.hf.AtomicFiles;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * A torch.save archive (a zip of {@code <name>/data.pkl}, {@code <name>/data/<key>} storages,
 * {@code version}, {@code byteorder}, ...), memory-mapped read-only. {@link #rewrite} writes a copy
 * in which only the named storages' bytes (same length) and the archive comment differ: every other
 * entry, data.pkl included, stays byte for byte, so torch's 64-byte data alignment is kept; the
 * rewritten entries' CRC-32s are recomputed.
 */
public final class TorchArchive implements AutoCloseable {
    private final Path path;
    private final Arena arena;
    private final MemorySegment file;
    private final ZipIndex index;
    private final String prefix;
    private final Object root;
    private final long size;
    private final FileTime modified;

    /** Fills {@code target} (the storage's new bytes) from {@code source} (its current bytes). */
    public interface StorageRewrite {
        void write(MemorySegment source, MemorySegment target);
    }

    private TorchArchive(Path path) throws IOException {
        this.path = path;
        this.size = Files.size(path);
        this.modified = Files.getLastModifiedTime(path);
        this.arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            this.file = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
        try {
            this.index = ZipIndex.read(file, path);
            this.prefix = prefix(index, path);
            ZipIndex.Entry order = index.entries().get(prefix + "byteorder");
            if (order != null && !"little".equals(text(order).strip())) {
                throw ZipIndex.bad(path, "byteorder is " + text(order) + "; only little-endian archives are supported");
            }
            this.root = TorchPickle.read(bytes(index.entries().get(prefix + "data.pkl")), path);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static String prefix(ZipIndex index, Path path) {
        List<String> pickles = index.entries().keySet().stream().filter(n -> n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - 9).toList();
        if (pickles.size() != 1) throw ZipIndex.bad(path, "expected one <name>/data.pkl, found " + pickles.size() + " (is it a torch.save file?)");
        return pickles.getFirst().substring(0, pickles.getFirst().length() - "data.pkl".length());
    }

    /** Opens and indexes {@code file} and reads its pickle; INVALID_OPTIMIZER_STATE when it is not a torch.save zip. */
    public static TorchArchive open(Path file) {
        Path absolute = file.toAbsolutePath();
        try {
            return new TorchArchive(absolute);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, absolute, null, "cannot read: " + e, e);
        }
    }

    public Path path() { return path; }

    /** The unpickled content (see {@link TorchPickle}). */
    public Object root() { return root; }

    /** The archive comment: empty as torch writes it, or what {@link #rewrite} put there. */
    public String comment() { return index.comment(); }

    /** The bytes of {@code tensor}'s storage (zero-copy, read-only); refuses a storage whose entry length disagrees. */
    public MemorySegment storage(StoredTensor tensor) {
        ZipIndex.Entry e = entry(tensor);
        return file.asSlice(e.dataOffset(), e.size());
    }

    private ZipIndex.Entry entry(StoredTensor tensor) {
        ZipIndex.Entry e = index.entries().get(prefix + "data/" + tensor.storageKey());
        if (e == null) throw ZipIndex.bad(path, "storage data/" + tensor.storageKey() + " is missing");
        long bytes = tensor.dtype().map(d -> Math.multiplyExact(tensor.storageElements(), (long) d.byteSize())).orElse(e.size());
        if (bytes != e.size()) throw ZipIndex.bad(path, "storage data/" + tensor.storageKey() + " holds " + e.size() + " bytes, its pickle says " + bytes);
        return e;
    }

    /**
     * Writes this archive to {@code target} with each storage in {@code rewrites} (by storage key) filled
     * by its rewrite and the archive comment set to {@code comment}: temp file beside the target, fsync,
     * atomic rename. Refuses (FILE_CHANGED) when this file changed since it was opened.
     */
    public void rewrite(Path target, Map<String, StorageRewrite> rewrites, String comment) {
        byte[] commentBytes = comment.getBytes(StandardCharsets.UTF_8);
        if (commentBytes.length > 0xFFFF) throw new IllegalArgumentException("zip comment too long");
        long body = index.commentOffset();   // the end record up to its comment length field
        AtomicFiles.replace(target, temp -> {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
                 FileChannel in = FileChannel.open(path, StandardOpenOption.READ);
                 Arena local = Arena.ofConfined()) {
                if (FileChannels.transferFully(in, 0, body, out) < body) {     // was an endless loop on a shrunk file
                    throw WiscaException.of(ErrorKind.FILE_CHANGED, path, "changed while wisca read it; nothing written");
                }
                ByteBuffer tail = ByteBuffer.allocate(2 + commentBytes.length).order(ByteOrder.LITTLE_ENDIAN);
                tail.putShort((short) commentBytes.length).put(commentBytes).flip();
                FileChannels.writeFully(out, tail, body + tail.position());
                MemorySegment copy = out.map(FileChannel.MapMode.READ_WRITE, 0, body, local);
                for (Map.Entry<String, StorageRewrite> r : rewrites.entrySet()) {
                    ZipIndex.Entry e = index.entries().get(prefix + "data/" + r.getKey());
                    if (e == null) throw ZipIndex.bad(path, "storage data/" + r.getKey() + " is missing");
                    MemorySegment dst = copy.asSlice(e.dataOffset(), e.size());
                    r.getValue().write(file.asSlice(e.dataOffset(), e.size()), dst);
                    int crc = crc32(dst);
                    for (long at : e.crcOffsets()) copy.set(ValueLayout.JAVA_INT_UNALIGNED, at, crc);
                }
                copy.force();
                out.force(true);
            }
            if (Files.size(path) != size || !Files.getLastModifiedTime(path).equals(modified)) {
                throw WiscaException.of(ErrorKind.FILE_CHANGED, path, "changed while wisca read it; nothing written");
            }
        });
    }

    private static int crc32(MemorySegment bytes) {
        CRC32 crc = new CRC32();
        for (long at = 0; at < bytes.byteSize(); at += 1 << 30) {
            crc.update(bytes.asSlice(at, Math.min(1L << 30, bytes.byteSize() - at)).asByteBuffer());
        }
        return (int) crc.getValue();
    }

    private byte[] bytes(ZipIndex.Entry e) {
        if (e.size() > Integer.MAX_VALUE - 16) throw ZipIndex.bad(path, e.name() + " is too large");
        return file.asSlice(e.dataOffset(), e.size()).toArray(ValueLayout.JAVA_BYTE);
    }

    private String text(ZipIndex.Entry e) { return new String(bytes(e), StandardCharsets.UTF_8); }

    @Override
    public void close() { arena.close(); }
}
