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
 * <p>The bytes stream through {@link BlockOutput}: aligned 4 MiB blocks written by a second thread
 * with direct I/O where the file system takes it, so filling the next block (reading an untouched
 * tensor, scaling a planned one) overlaps writing the last. Consecutive {@link #transfer}s from one
 * input are gathered into one run; where the run's bytes sit at the same offset within a 4 KiB page
 * in both files (see {@link #create(Path, List, Map, int, SafetensorsFile)}), its whole blocks share
 * the input's extents where the file system can ({@link Reflink}: XFS, Btrfs; no data written at all),
 * else are written straight from the input's mapped pages, with no copy.
 *
 * <p>Calling out of order, with the wrong byte count, or committing with tensors missing is a
 * programming error ({@link IllegalStateException}); failed I/O is a {@link WiscaException} of kind IO.
 */
public final class SafetensorsWriter implements AutoCloseable {
    /** Largest chunk handed to a {@link ChunkFiller} (a full block). */
    public static final long CHUNK_BYTES = BlockOutput.BLOCK_BYTES;
    /**
     * Chunks handed to a {@link ChunkFiller} start at multiples of this many bytes of the tensor (whole
     * elements of every byte-sized dtype); a chunk that would straddle two blocks goes through a small
     * staging buffer instead.
     */
    static final int CHUNK_GRANULE = 64;

    private final Path target;
    private final Path temp;
    private final HeaderLayout layout;
    private final FileChannel channel;
    private final BlockOutput blocks;
    private final WriteAhead ahead;  // null, or the head start whose written blocks are kept
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment staging = arena.allocate(CHUNK_GRANULE, 64);
    // The transfers not yet written: runLength bytes of runSource from file position runStart on.
    private SafetensorsFile runSource;
    private String runFirst;
    private long runStart;
    private long runLength;
    private SafetensorsFile throughSource;  // the input whose pages blocks were written from, if any
    private SafetensorsFile shareSource;    // the input the blocks of reflink share extents with, if any
    private Reflink reflink;                // null: none for shareSource (or none tried yet)
    private int next;
    private boolean committed;
    private boolean closed;
    private boolean failed;

    private SafetensorsWriter(Path target, Path temp, HeaderLayout layout, FileChannel channel, boolean direct, WriteAhead ahead) {
        this.target = target;
        this.temp = temp;
        this.layout = layout;
        this.channel = channel;
        this.ahead = ahead;
        this.blocks = BlockOutput.open(temp, channel, layout.fileSize(), direct);
    }

    /** Plans the layout of {@code specs} and opens a temp file beside {@code target}; empty metadata writes none. */
    public static SafetensorsWriter create(Path target, List<TensorSpec> specs, Map<String, String> metadata) {
        return create(target, specs, metadata, 0);
    }

    /** As {@link #create(Path, List, Map)}, reserving header room for in-place stamping ({@link HeaderLayout#plan(List, Map, Path, int)}). */
    public static SafetensorsWriter create(Path target, List<TensorSpec> specs, Map<String, String> metadata, int reserveBytes) {
        return create(target, specs, metadata, reserveBytes, true);
    }

    /**
     * As {@link #create(Path, List, Map, int)}, padding the header further (by less than 4 KiB) so that
     * each tensor's data sits at the same offset within a 4 KiB page as in {@code source}, when the
     * tensors follow each other in the same order and sizes there: whole blocks of tensors copied from
     * {@code source} ({@link #transfer}) are then written from its pages without a copy.
     */
    public static SafetensorsWriter create(Path target, List<TensorSpec> specs, Map<String, String> metadata, int reserveBytes,
                                           SafetensorsFile source) {
        return create(target, specs, metadata, reserveBytes, source, null);
    }

    /**
     * As {@link #create(Path, List, Map, int, SafetensorsFile)}, going on with the temp file {@code ahead} (null:
     * none) began for the same target and source, which may still be writing: the blocks it wrote are kept where
     * they hold what this writer writes there, every other byte is written as usual, and the head start is
     * finished before the file is completed or deleted. So the file is the same with or without it, whatever
     * metadata the head start was laid out with.
     */
    public static SafetensorsWriter create(Path target, List<TensorSpec> specs, Map<String, String> metadata, int reserveBytes,
                                           SafetensorsFile source, WriteAhead ahead) {
        Path absolute = target.toAbsolutePath();
        return open(absolute, pageMatched(absolute, specs, metadata, reserveBytes, source), true, ahead);
    }

    /** As {@link #create(Path, List, Map, int)}; {@code direct} false keeps every write in the page cache (tests of both paths). */
    static SafetensorsWriter create(Path target, List<TensorSpec> specs, Map<String, String> metadata, int reserveBytes, boolean direct) {
        Path absolute = target.toAbsolutePath();
        return open(absolute, HeaderLayout.plan(specs, metadata, absolute, reserveBytes), direct, null);
    }

    /** The layout of {@link #create(Path, List, Map, int, SafetensorsFile)}: each tensor at its page offset in {@code source}. */
    static HeaderLayout pageMatched(Path absolute, List<TensorSpec> specs, Map<String, String> metadata, int reserveBytes,
                                    SafetensorsFile source) {
        HeaderLayout plain = HeaderLayout.plan(specs, metadata, absolute, reserveBytes);
        long shift = Math.floorMod(source.header().dataStart() - plain.header().dataStart(), BlockOutput.PAGE_BYTES);
        // The header stays 8-byte aligned (the reference pads it so), so only a shift in 8-byte steps is possible.
        return shift == 0 || shift % 8 != 0 ? plain : HeaderLayout.plan(specs, metadata, absolute, reserveBytes + (int) shift);
    }

    /** A fresh temp file beside {@code absolute}: {@code .<name>.tmp-<random>}. */
    static Path tempBeside(Path absolute) {
        return absolute.resolveSibling("." + absolute.getFileName() + ".tmp-"
            + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()));
    }

    /** Creates {@code temp} (which must not exist) for writing; {@code target} names the file in errors. */
    static FileChannel createTemp(Path target, Path temp) {
        try {
            return FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw io(target, "cannot create a temp file in " + target.getParent(), e);
        }
    }

    private static SafetensorsWriter open(Path absolute, HeaderLayout layout, boolean direct, WriteAhead ahead) {
        Path temp;
        FileChannel channel;
        if (ahead != null) {
            channel = ahead.handOver(absolute, layout);
            temp = ahead.temp();
        } else {
            temp = tempBeside(absolute);
            channel = createTemp(absolute, temp);
        }
        SafetensorsWriter writer;
        try {
            writer = new SafetensorsWriter(absolute, temp, layout, channel, direct, ahead);
        } catch (RuntimeException | Error e) {
            closeQuietly(channel);
            deleteQuietly(temp);
            throw e;
        }
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
        guarded(() -> {
            writeRun();
            blocks.append(bytes);
        });
        next++;
    }

    /**
     * Copies the next tensor's data from the same-named tensor of {@code source}, read with positional
     * reads straight into the blocks (a file truncated underneath is a FILE_CHANGED, not a fault).
     */
    public void transfer(String name, SafetensorsFile source) {
        TensorInfo info = expect(name);
        TensorInfo from = source.tensor(name).info();
        if (from.byteLength() != info.byteLength()) {
            throw new IllegalStateException(name + ": the source holds " + from.byteLength() + " bytes, the tensor takes " + info.byteLength());
        }
        long position = source.filePosition(name);
        if (runSource != source || runStart + runLength != position) {
            guarded(this::writeRun);
            runSource = source;
            runFirst = name;
            runStart = position;
        }
        runLength += info.byteLength();
        next++;
    }

    /**
     * Writes the next tensor's data as {@code filler} produces it, straight into the blocks: chunks of
     * at most {@link #CHUNK_BYTES}, each starting at a multiple of {@link #CHUNK_GRANULE} bytes.
     */
    public void write(String name, ChunkFiller filler) {
        TensorInfo info = expect(name);
        long length = info.byteLength();
        guarded(() -> {
            writeRun();
            for (long done = 0; done < length; ) {
                if (ahead != null) ahead.reached(blocks.size());
                MemorySegment room = blocks.room();
                long n = Math.min(room.byteSize(), length - done);
                if (n < length - done) n -= n % CHUNK_GRANULE;  // the tensor's end is whole elements already
                if (n > 0) {
                    filler.fill(room.asSlice(0, n), done);
                    blocks.advance(n);
                } else {  // fewer than CHUNK_GRANULE bytes left in this block: stage one granule across the boundary
                    n = Math.min(CHUNK_GRANULE, length - done);
                    MemorySegment piece = staging.asSlice(0, n);
                    filler.fill(piece, done);
                    blocks.append(piece);
                }
                done += n;
            }
        });
        next++;
    }

    /** Blocks written straight from an input's pages so far (tests). */
    long blocksWrittenThrough() { return blocks.throughBlocks(); }

    /** Blocks that share an input's extents instead of being written ({@link Reflink}; tests). */
    long blocksShared() { return blocks.sharedBlocks(); }

    /** Blocks kept from the {@link WriteAhead} this writer went on with (tests). */
    long blocksKeptFromAhead() { return blocks.aheadBlocks(); }

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
                writeRun();
                if (ahead != null) ahead.finish();  // no write of its own after the file is complete
                blocks.finish();
                if (ahead != null) channel.truncate(layout.fileSize());  // a head start laid out longer wrote past the end
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
        if (ahead != null) ahead.finish();
        blocks.close();
        closeReflink();
        closeQuietly(channel);
        arena.close();
        if (!committed) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException e) {
                throw io(target, "cannot delete the temp file " + temp, e);
            }
        }
    }

    /**
     * Writes the gathered transfers: read into the blocks, except whole blocks whose bytes are
     * page-aligned in the input, which go to the disk straight from its mapped pages.
     */
    private void writeRun() {
        if (runLength == 0) return;
        SafetensorsFile source = runSource;
        long position = runStart;
        long left = runLength;
        runLength = 0;
        MemorySegment mapped = null;
        while (left > 0) {
            if (ahead != null) ahead.reached(blocks.size());
            long through = blocks.throughBytes();
            if (through > 0 && left >= through && position % blocks.alignment() == 0) {
                if (ahead != null && ahead.holds(source, blocks.size() / through, through, position)) {
                    blocks.skipThrough();
                } else if (!sharing(source) || !blocks.shareThrough(reflink, position)) {
                    if (mapped == null) mapped = source.mapped();
                    throughSource = source;
                    blocks.writeThrough(mapped.asSlice(position, through));
                }
                position += through;
                left -= through;
                continue;
            }
            MemorySegment room = blocks.room();
            long n = Math.min(room.byteSize(), left);
            source.readAt(position, room.asSlice(0, n), runFirst);
            blocks.advance(n);
            position += n;
            left -= n;
        }
    }

    /** Whether whole blocks from {@code source} may share its extents ({@link Reflink}): asked once per source. */
    private boolean sharing(SafetensorsFile source) {
        if (source != shareSource) {
            closeReflink();
            shareSource = source;
            reflink = Reflink.open(source.path(), temp).orElse(null);
        }
        return reflink != null;
    }

    private void closeReflink() {
        if (reflink != null) reflink.close();
        reflink = null;
    }

    /**
     * A write from an input's pages fails with "Bad address" when the input was truncated meanwhile:
     * report that as what it is, the input's FILE_CHANGED.
     */
    private WiscaException sourceChangedFirst(WiscaException e) {
        if (e.kind() == ErrorKind.IO && throughSource != null) throughSource.checkUnchanged();
        return e;
    }

    private void writeHeader() {
        ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, layout.header().headerLength());
        blocks.append(MemorySegment.ofBuffer(prefix));
        blocks.append(MemorySegment.ofArray(layout.headerBytes()));
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
        } catch (WiscaException e) {
            failed = true;
            throw sourceChangedFirst(e);
        } catch (RuntimeException | Error e) {
            failed = true;
            throw e;
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Closing after a failure: the temp file is deleted next, its state does not matter.
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // Best effort on the way out of a failed create; the temp name marks it as wisca's leftover.
        }
    }

    private static WiscaException io(Path path, String what, IOException cause) {
        return new WiscaException(ErrorKind.IO, path, null, what + ": " + cause, cause);
    }
}
