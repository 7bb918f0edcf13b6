package dev.wisca.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Streams one safetensors file to disk, byte-identical to the reference writer.
 *
 * <p>The layout is planned from specs first; the caller then writes every tensor once, in
 * {@link #fileOrder()}, and {@link #commit()}s. Bytes go to a temp file beside the target which is
 * fsynced and atomically renamed over it, so the target is either the old file or the complete new
 * one, and a reader that still maps the old file keeps seeing its old bytes. {@link #close()}
 * without commit deletes the temp file. Not thread-safe.
 *
 * <p>Calling out of order, with the wrong byte count, or committing with tensors missing is a
 * programming error ({@link IllegalStateException}); failed I/O is a {@link WiscaException} of kind IO.
 */
public final class SafetensorsWriter implements AutoCloseable {
    /** Largest chunk handed to a {@link ChunkFiller} or written in one call. */
    public static final long CHUNK_BYTES = 8L << 20;

    private final Path target;
    private final Path temp;
    private final HeaderLayout layout;
    private final FileChannel channel;
    private Arena arena;
    private MemorySegment chunkBuffer;
    private int next;
    private boolean committed;
    private boolean closed;
    private boolean failed;

    private SafetensorsWriter(Path target, Path temp, HeaderLayout layout, FileChannel channel) {
        this.target = target;
        this.temp = temp;
        this.layout = layout;
        this.channel = channel;
    }

    /** Plans the layout of {@code specs} and opens a temp file beside {@code target}; empty metadata writes none. */
    public static SafetensorsWriter create(Path target, List<TensorSpec> specs, Map<String, String> metadata) {
        return create(target, specs, metadata, 0);
    }

    /** As {@link #create(Path, List, Map)}, reserving header room for in-place stamping ({@link HeaderLayout#plan(List, Map, Path, int)}). */
    public static SafetensorsWriter create(Path target, List<TensorSpec> specs, Map<String, String> metadata, int reserveBytes) {
        Path absolute = target.toAbsolutePath();
        HeaderLayout layout = HeaderLayout.plan(specs, metadata, absolute, reserveBytes);
        Path temp = absolute.resolveSibling("." + absolute.getFileName() + ".tmp-"
            + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()));
        FileChannel channel;
        try {
            channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw io(absolute, "cannot create a temp file in " + absolute.getParent(), e);
        }
        SafetensorsWriter writer = new SafetensorsWriter(absolute, temp, layout, channel);
        try {
            writer.writeHeader();
        } catch (RuntimeException e) {
            writer.close();
            throw e;
        }
        return writer;
    }

    /** As {@link #create(Path, List, Map)} with {@code {"format":"pt"}}, which Hugging Face tools expect. */
    public static SafetensorsWriter create(Path target, List<TensorSpec> specs) {
        return create(target, specs, Map.of("format", "pt"));
    }

    public Path target() { return target; }

    public HeaderLayout layout() { return layout; }

    /** The header the finished file will carry. */
    public Header header() { return layout.header(); }

    /** The order in which {@code write} must be called. */
    public List<TensorSpec> fileOrder() { return layout.fileOrder(); }

    /** Copies {@code bytes} (exactly the tensor's byte length) as the next tensor's data. */
    public void write(String name, MemorySegment bytes) {
        TensorInfo info = expect(name);
        if (bytes.byteSize() != info.byteLength()) {
            throw new IllegalStateException(name + ": got " + bytes.byteSize() + " bytes, the tensor takes " + info.byteLength());
        }
        if (hasByteBufferView(bytes)) {
            guarded(() -> {
                for (long done = 0; done < bytes.byteSize(); done += CHUNK_BYTES) {
                    writeFully(bytes.asSlice(done, Math.min(CHUNK_BYTES, bytes.byteSize() - done)), name);
                }
            });
            next++;
        } else {
            write(name, (chunk, offset) -> chunk.copyFrom(bytes.asSlice(offset, chunk.byteSize())));
        }
    }

    /**
     * Copies the next tensor's data from the same-named tensor of {@code source} inside the kernel
     * (copy_file_range; no user-space buffer), as {@code cp} does.
     */
    public void transfer(String name, SafetensorsFile source) {
        TensorInfo info = expect(name);
        TensorInfo from = source.tensor(name).info();
        if (from.byteLength() != info.byteLength()) {
            throw new IllegalStateException(name + ": the source holds " + from.byteLength() + " bytes, the tensor takes " + info.byteLength());
        }
        guarded(() -> source.transferTo(name, channel));
        next++;
    }

    /** Writes the next tensor's data as {@code filler} produces it, one bounded chunk at a time. */
    public void write(String name, ChunkFiller filler) {
        TensorInfo info = expect(name);
        long length = info.byteLength();
        MemorySegment buffer = chunkBuffer(Math.min(CHUNK_BYTES, length));
        guarded(() -> {
            for (long done = 0; done < length; ) {
                long size = Math.min(buffer.byteSize(), length - done);
                MemorySegment chunk = buffer.asSlice(0, size);
                filler.fill(chunk, done);
                writeFully(chunk, name);
                done += size;
            }
        });
        next++;
    }

    /** Name of the tensor {@code write} expects next; throws once all are written. */
    public String nextName() {
        if (next >= fileOrder().size()) throw new IllegalStateException("all tensors of " + target + " are written");
        return fileOrder().get(next).name();
    }

    /** Makes the file durable and moves it over the target. */
    public void commit() {
        ensureOpen();
        if (next != fileOrder().size()) {
            throw new IllegalStateException("commit with " + (fileOrder().size() - next) + " tensors not written, next is " + nextName());
        }
        guarded(() -> {
            try {
                long size = channel.size();
                if (size != layout.fileSize()) {
                    throw new IllegalStateException(temp + " has " + size + " bytes, the layout needs " + layout.fileSize());
                }
                channel.force(true);
                channel.close();
                AtomicMove.replace(temp, target);
            } catch (IOException e) {
                throw io(target, "cannot commit the written file", e);
            }
        });
        committed = true;
        close();
        DirectorySync.sync(target.getParent());
    }

    /** Releases the buffer and, unless committed, deletes the temp file. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // Closing after a failure: the temp file is deleted next, its state does not matter.
        }
        if (arena != null) arena.close();
        if (!committed) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException e) {
                throw io(target, "cannot delete the temp file " + temp, e);
            }
        }
    }

    private void writeHeader() {
        ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, layout.header().headerLength());
        writeFully(MemorySegment.ofBuffer(prefix), null);
        writeFully(MemorySegment.ofArray(layout.headerBytes()), null);
    }

    private TensorInfo expect(String name) {
        ensureOpen();
        if (next >= fileOrder().size()) {
            throw new IllegalStateException(name + ": all tensors of " + target + " are already written");
        }
        TensorInfo info = header().tensors().get(next);
        if (!info.name().equals(name)) {
            throw new IllegalStateException("wrote " + name + " but file order expects " + info.name() + " next");
        }
        return info;
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("writer for " + target + " is closed");
        if (failed) throw new IllegalStateException("an earlier write to " + target + " failed; close the writer");
    }

    /** A tensor half written cannot be resumed: any failure poisons the writer. */
    private void guarded(Runnable body) {
        try {
            body.run();
        } catch (RuntimeException | Error e) {
            failed = true;
            throw e;
        }
    }

    /** Native segments and byte[]-backed heap segments can be handed to the channel without a copy. */
    private static boolean hasByteBufferView(MemorySegment bytes) {
        return bytes.heapBase().map(base -> base instanceof byte[]).orElse(true);
    }

    private MemorySegment chunkBuffer(long bytes) {
        if (chunkBuffer == null || chunkBuffer.byteSize() < bytes) {
            if (arena != null) arena.close();
            arena = Arena.ofShared();
            chunkBuffer = arena.allocate(Math.max(bytes, 1), 64);
        }
        return chunkBuffer;
    }

    private void writeFully(MemorySegment bytes, String tensor) {
        ByteBuffer buffer = bytes.asByteBuffer();
        try {
            FileChannels.writeFully(channel, buffer);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, target, tensor, "write failed: " + e.getMessage(), e);
        }
    }

    private static WiscaException io(Path path, String what, IOException cause) {
        return new WiscaException(ErrorKind.IO, path, null, what + ": " + cause, cause);
    }
}
