package dev.wisca.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;

/**
 * Reads of an open input file through its channel (positional reads) instead
 * of its mapping. A file truncated while it is read then gives a short read, reported as
 * {@link ErrorKind#FILE_CHANGED} naming the file, where a mapped access would fault (SIGBUS, which
 * aborts the JVM inside a vector kernel). The identity seen at open (size, modification time, file
 * key) lets a caller check, once it has read everything, that nobody rewrote the file meanwhile.
 * Positional reads are safe from several threads.
 */
final class FileReads implements AutoCloseable {
    private final Path path;
    private final FileChannel channel;
    private final long size;
    private final FileTime modified;
    private final Object fileKey;

    private FileReads(Path path, FileChannel channel, long size, FileTime modified, Object fileKey) {
        this.path = path;
        this.channel = channel;
        this.size = size;
        this.modified = modified;
        this.fileKey = fileKey;
    }

    static FileReads of(Path path, FileChannel channel) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
        return new FileReads(path, channel, channel.size(), attributes.lastModifiedTime(), attributes.fileKey());
    }

    /** Bytes of the file when it was opened. */
    long size() { return size; }

    /** Fills {@code dst} with the bytes at {@code position}; a file now shorter is FILE_CHANGED. */
    void read(long position, MemorySegment dst, String tensor) {
        ByteBuffer buffer = dst.asByteBuffer();
        try {
            if (!FileChannels.readFully(channel, buffer, position)) {
                throw changed(tensor, "it ended at byte " + (position + buffer.position()) + " while being read");
            }
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, path, tensor, "read failed: " + e.getMessage(), e);
        }
    }

    /**
     * The file's first {@link #size()} bytes mapped read-only in {@code arena} (for zero-copy tensor slices).
     * FILE_CHANGED if it is shorter now: an access past its end would fault instead of throwing.
     */
    MemorySegment map(Arena arena) {
        try {
            long now = channel.size();
            if (now < size) throw changed(null, "it had " + size + " bytes when opened and has " + now + " now");
            return channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, path, null, "cannot map: " + e.getMessage(), e);
        }
    }

    /** FILE_CHANGED unless the file at the path is still the one opened, with its size and modification time. */
    void checkUnchanged() {
        try {
            long now = channel.size();
            if (now != size) throw changed(null, "it had " + size + " bytes when opened and has " + now + " now");
            BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
            if (fileKey != null && !fileKey.equals(attributes.fileKey())) {
                throw changed(null, "another file was moved to its name while it was being read");
            }
            if (!attributes.lastModifiedTime().equals(modified)) {
                throw changed(null, "it was rewritten while being read (modified " + attributes.lastModifiedTime() + ")");
            }
        } catch (NoSuchFileException e) {
            throw changed(null, "it was deleted while being read");
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, path, null, "cannot read its attributes: " + e.getMessage(), e);
        }
    }

    private WiscaException changed(String tensor, String what) {
        return new WiscaException(ErrorKind.FILE_CHANGED, path, tensor, what + "; run again once it is complete");
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // A read-only channel: nothing to flush, nothing lost.
        }
    }
}
