package dev.wisca.io;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A new file written front to back through two aligned blocks of up to 4 MiB: the caller fills one
 * ({@link #room()}, {@link #advance(long)}) while a second thread writes the other, with direct I/O
 * ({@code O_DIRECT}) where the file system takes it.
 *
 * <p>Why direct I/O: a buffered write first has the kernel hand out a fresh page-cache page for every
 * 4 KiB written, then copies into it, then writes the page back on fsync. On the development VM that
 * hand-out is the expensive part and swings widely (the same 2 GB {@code cp} + {@code sync} took 1.3 s
 * and 31 s minutes apart); 2 GB written with {@code O_DIRECT} in 8 MiB calls from the mapped input took 0.84–1.0 s including
 * fsync against 1.5–1.8 s for {@code cp} + {@code sync} of the same file, alternating in one script.
 * Direct writes also leave the page cache to the checkpoint being read. Untouched tensors are
 * therefore read into the blocks ({@code pread}) or written from the input's mapped pages instead of
 * copied with {@code copy_file_range} (which goes through the page cache where it cannot clone); where
 * the file system shares extents, whole blocks of them share the input's instead ({@link #shareThrough},
 * {@link Reflink}: the writers lay a rewrite out so that they sit at the same offset within a page).
 *
 * <p>Direct I/O wants the buffer address, the file offset and the length aligned to the file system's
 * block: the blocks are aligned and written whole, the last one padded with zeros to the alignment
 * and the file then truncated to its true length. A file that fits one block (most side files, test
 * files) is written from the caller's thread at {@link #finish()}, with one block sized to it. Where the file system refuses {@code O_DIRECT}
 * (tmpfs on older kernels, some network file systems), the same blocks go through the page cache in
 * calls of {@link FileChannels#CALL_BYTES}. Not thread-safe: one filling thread.
 */
final class BlockOutput implements AutoCloseable {
    /**
     * Bytes of a full block: written in one call. 4 MiB: direct writes of 2–16 MiB measured alike here
     * (1 MiB was slower), and memory touched for the first time is expensive on this VM.
     */
    static final int BLOCK_BYTES = 4 << 20;
    /** The smallest alignment direct I/O is given (the page; more where the file system's block is larger). */
    static final int PAGE_BYTES = 4096;

    private final Path path;
    private final FileChannel channel;
    private final FileChannel direct;  // null: buffered writes through channel
    private final int alignment;
    private final int blockBytes;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment[] blocks = new MemorySegment[2];
    private final Future<?>[] writes = new Future<?>[2];
    private ExecutorService io;  // started with the first full block
    private int current;
    private long filled;      // bytes of the current block filled
    private long blockStart;  // file offset of the current block
    private boolean finished;
    private long throughBlocks;
    private long aheadBlocks;
    private long sharedBlocks;

    private BlockOutput(Path path, FileChannel channel, FileChannel direct, int alignment, long expectedBytes) {
        this.path = path;
        this.channel = channel;
        this.direct = direct;
        this.alignment = alignment;
        this.blockBytes = blockBytes(expectedBytes, alignment);
        blocks[0] = arena.allocate(blockBytes, alignment);
    }

    /**
     * Opens {@code channel}'s file (just created, empty, at {@code path}) for block writes of about
     * {@code expectedBytes} (which sizes the blocks; more is fine); direct when {@code tryDirect} and
     * the file system takes it. The caller keeps owning {@code channel}.
     */
    static BlockOutput open(Path path, FileChannel channel, long expectedBytes, boolean tryDirect) {
        if (tryDirect) {
            int alignment = directAlignment(path);
            FileChannel direct = alignment == 0 ? null : openDirect(path);
            if (direct != null) return new BlockOutput(path, channel, direct, alignment, expectedBytes);
        }
        return new BlockOutput(path, channel, null, 64, expectedBytes);
    }

    /** The alignment direct writes to {@code path} need (the page, or the file system's larger block); 0 when blocks cannot be aligned to it. */
    static int directAlignment(Path path) {
        try {
            int alignment = (int) Math.max(PAGE_BYTES, Files.getFileStore(path).getBlockSize());
            return BLOCK_BYTES % alignment == 0 ? alignment : 0;
        } catch (IOException | UnsupportedOperationException e) {
            return 0;
        }
    }

    /** {@code path} (an existing file) opened for direct writes, or null where its file system refuses direct I/O. */
    static FileChannel openDirect(Path path) {
        try {
            return FileChannel.open(path, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT);
        } catch (IOException | UnsupportedOperationException e) {
            return null;  // no direct I/O on this file system: the page cache it is
        }
    }

    /** The bytes of each block of a file of about {@code expectedBytes} written with {@code alignment}. */
    static int blockBytes(long expectedBytes, int alignment) {
        return (int) Math.min(BLOCK_BYTES, Math.max(alignment, roundUp(expectedBytes, alignment)));
    }

    /** Whether blocks bypass the page cache. */
    boolean direct() { return direct != null; }

    /** The writable rest of the current block (never empty); its contents on entry are unspecified. */
    MemorySegment room() {
        return blocks[current].asSlice(filled);
    }

    /** Marks the first {@code bytes} of {@link #room()} filled; a full block goes to the disk. */
    void advance(long bytes) {
        if (bytes < 0 || filled + bytes > blockBytes) throw new IllegalArgumentException(bytes + " bytes do not fit the block");
        filled += bytes;
        if (filled == blockBytes) {
            submit(blocks[current].asByteBuffer(), blockBytes, null);
            nextBlock();
        }
    }

    /**
     * Bytes a whole block written from elsewhere ({@link #writeThrough}) must take, or 0 when none can
     * be now: only with direct I/O, and only at a block boundary.
     */
    long throughBytes() {
        return direct != null && filled == 0 ? blockBytes : 0;
    }

    /** Blocks written through so far (tests). */
    long throughBlocks() { return throughBlocks; }

    /** The alignment a {@link #writeThrough} segment's address needs. */
    int alignment() { return alignment; }

    /**
     * Writes {@code block} ({@link #throughBytes()} bytes, its address aligned: pages of a mapped input)
     * as the next whole block, with no copy: the device reads it straight from those pages.
     */
    void writeThrough(MemorySegment block) {
        if (block.byteSize() != throughBytes() || block.address() % alignment != 0) {
            throw new IllegalArgumentException("a block of " + block.byteSize() + " bytes at " + block.address()
                + " cannot be written through (" + throughBytes() + " bytes, aligned to " + alignment + ")");
        }
        submit(block.asByteBuffer(), blockBytes, block);
        throughBlocks++;
        nextBlock();
    }

    /**
     * Makes the next whole block ({@link #throughBytes()} bytes) share the extents of the source's bytes at
     * {@code sourcePosition} through {@code reflink}, without writing it; false (nothing done) when the file
     * system refused: the caller writes the block.
     */
    boolean shareThrough(Reflink reflink, long sourcePosition) {
        long bytes = throughBytes();
        if (bytes == 0) throw new IllegalStateException("no whole block can be shared now");
        if (!reflink.share(sourcePosition, bytes, blockStart)) return false;
        sharedBlocks++;
        nextBlock();
        return true;
    }

    /** Blocks that share the source's extents (tests). */
    long sharedBlocks() { return sharedBlocks; }

    /**
     * Passes over the next whole block ({@link #throughBytes()} bytes) without writing it: a {@link WriteAhead}
     * wrote exactly these bytes there already.
     */
    void skipThrough() {
        if (throughBytes() == 0) throw new IllegalStateException("no whole block can be passed over now");
        aheadBlocks++;
        nextBlock();
    }

    /** Blocks passed over because they were written ahead (tests). */
    long aheadBlocks() { return aheadBlocks; }

    /** After a whole block went to the writing thread: the other buffer, once its own write is done, at the next offset. */
    private void nextBlock() {
        current ^= 1;
        if (blocks[current] == null) blocks[current] = arena.allocate(blockBytes, alignment);
        await(current);
        filled = 0;
        blockStart += blockBytes;
    }

    /** Copies all of {@code bytes} into the blocks. */
    void append(MemorySegment bytes) {
        for (long done = 0; done < bytes.byteSize(); ) {
            MemorySegment room = room();
            long n = Math.min(room.byteSize(), bytes.byteSize() - done);
            MemorySegment.copy(bytes, done, room, 0, n);
            advance(n);
            done += n;
        }
    }

    /** Bytes handed over so far: the file's length once finished. */
    long size() { return blockStart + filled; }

    /** Writes the last block, waits for every write and trims the padding: the file is then complete (not yet durable). */
    void finish() {
        if (finished) return;
        finished = true;
        long size = size();
        long padded = direct == null ? filled : roundUp(filled);
        if (padded > filled) blocks[current].asSlice(filled, padded - filled).fill((byte) 0);
        if (padded > 0) {
            ByteBuffer last = blocks[current].asSlice(0, padded).asByteBuffer();
            if (io == null) {
                try {
                    write(last, blockStart);  // a file of one block: no thread for it
                } catch (IOException e) {
                    throw new WiscaException(ErrorKind.IO, path, null, "write failed: " + e.getMessage(), e);
                }
            } else {
                submit(last, padded, null);
            }
        }
        await(0);
        await(1);
        if (padded > filled) {
            try {
                channel.truncate(size);
            } catch (IOException e) {
                throw new WiscaException(ErrorKind.IO, path, null, "cannot trim the last block: " + e.getMessage(), e);
            }
        }
    }

    /** Stops the writing thread (after any write in flight) and frees the blocks; the file is left as it is. */
    @Override
    public void close() {
        if (io != null) io.shutdown();  // not shutdownNow: an interrupt would close the caller's channel under a write
        for (Future<?> write : writes) {
            if (write == null) continue;
            try {
                write.get();
            } catch (ExecutionException | CancellationException e) {
                // Closing after a failure: the caller has the error already or deletes the file next.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            if (direct != null) direct.close();
        } catch (IOException ignored) {
            // The file is the caller's; its own channel reports what matters.
        }
        arena.close();
    }

    /**
     * Hands {@code buffer} to the writing thread, as the block at the current block's offset (slot {@code current});
     * {@code pages}: the input's mapped pages it views, released ({@link #releasePages}) once written, else null.
     */
    private void submit(ByteBuffer buffer, long length, MemorySegment pages) {
        long position = blockStart;
        buffer.limit((int) length);
        if (io == null) {
            io = Executors.newSingleThreadExecutor(task -> {
                Thread thread = new Thread(task, "wisca-write " + path.getFileName());
                thread.setDaemon(true);
                return thread;
            });
        }
        writes[current] = io.submit(() -> {
            write(buffer, position);
            if (pages != null) releasePages(pages);
            return null;
        });
    }

    private long roundUp(long bytes) {
        return roundUp(bytes, alignment);
    }

    private static long roundUp(long bytes, int alignment) {
        return (bytes + alignment - 1) / alignment * alignment;
    }

    private void write(ByteBuffer buffer, long position) throws IOException {
        if (direct == null) {
            FileChannels.writeFully(channel, buffer, position);
        } else {
            writeDirect(direct, buffer, position);
        }
    }

    /** Writes {@code buffer} (aligned, as {@code direct} needs) at {@code position}. */
    static void writeDirect(FileChannel direct, ByteBuffer buffer, long position) throws IOException {
        // One call per block: a direct write waits for the device, so fewer, larger calls go faster.
        int start = buffer.position();
        while (buffer.hasRemaining()) direct.write(buffer, position + buffer.position() - start);
    }

    /**
     * Drops this process's page-table entries for {@code pages}, a written block of an input's read-only
     * mapping ({@code madvise(MADV_DONTNEED)} through {@link MemorySegment#unload}); the page cache keeps
     * the pages and a later read of the mapping faults them back in. Why: a direct write from mapped pages
     * has the kernel fault each page into this process to pin it, and they stayed mapped until the input
     * was closed, so the resident set grew to the checkpoint's size (1.8 GB for a 2 GB rescale; 0.35 GB
     * with this release, 0.12 GB once the plan's digests stopped reading through the mapping too) and
     * closing the input at the end of the run unmapped them all (70–95 ms of a 2 GB rescale; now
     * 12–15 ms). Released here, block by block, on the thread that wrote it.
     */
    static void releasePages(MemorySegment pages) {
        if (pages.isMapped()) pages.unload();
    }

    /** Waits until block {@code block} is written; its write's failure is thrown here, typed. */
    private void await(int block) {
        Future<?> write = writes[block];
        if (write == null) return;
        writes[block] = null;
        try {
            write.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) throw r;
            if (cause instanceof Error err) throw err;
            throw new WiscaException(ErrorKind.IO, path, null, "write failed: " + cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WiscaException(ErrorKind.IO, path, null, "interrupted while writing", e);
        }
    }
}
