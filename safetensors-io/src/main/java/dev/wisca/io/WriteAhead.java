package dev.wisca.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * A head start on a rewrite of {@code source}: before the header (and so a {@link SafetensorsWriter}) can
 * exist, because the metadata waits for a plan, the whole blocks of the new file that copy tensors no later
 * decision touches are written already, straight from the source's pages (direct I/O), or made to share the
 * source's extents where the file system can ({@link Reflink}), at the offsets a
 * provisional layout gives them, from the end of the file towards its start. The writer then goes on with
 * the same temp file ({@link SafetensorsWriter#create(Path, List, Map, int, SafetensorsFile, WriteAhead)}),
 * front to back, while this keeps writing until the two meet: the writer passes over each block written
 * here (the same block of the file, from the same source position) and writes every other one itself.
 * Both write a block only with the bytes the finished file has there, so a block written twice is harmless,
 * and the file does not depend on how far this got: only the time does. A provisional layout that turns out
 * not to be the final one stops this at once and keeps none of its blocks ({@link #handOver}).
 *
 * <p>Why: a one-shot rescale spends its first seconds reading statistics while the disk idles; writing the
 * untouched ~80% of a checkpoint in that time (and beside the writer afterwards) takes that part off the
 * end. Only with direct I/O, where the writer's through-blocks exist; elsewhere {@link #run()} writes nothing.
 *
 * <p>{@link #run()} on one thread; {@link #finish()}, which waits for it to return, and the writer from
 * another. A failure here is not reported: the block is then not recorded and the writer writes it (and
 * meets any real problem, a full disk or a source truncated underneath, itself).
 */
public final class WriteAhead implements AutoCloseable {
    private final Path target;
    private final Path temp;
    private final FileChannel channel;
    private final SafetensorsFile source;
    private final HeaderLayout layout;
    private final Predicate<String> later;
    // Block index -> the source position its bytes came from; read by the writer while this still writes.
    private final Map<Long, Long> written = new ConcurrentHashMap<>();
    private volatile int blockBytes;  // of the blocks written, once run
    private volatile boolean stopped;
    private volatile long reached;    // bytes the writer going on with the file has written
    private boolean running;          // guarded by this
    private boolean handedOver;       // guarded by this
    private boolean closed;           // guarded by this

    private WriteAhead(Path target, Path temp, FileChannel channel, SafetensorsFile source, HeaderLayout layout, Predicate<String> later) {
        this.target = target;
        this.temp = temp;
        this.channel = channel;
        this.source = source;
        this.layout = layout;
        this.later = later;
    }

    /**
     * Creates the temp file of a rewrite of {@code source} to {@code target} laid out as
     * {@link SafetensorsWriter#create(Path, List, Map, int, SafetensorsFile)} would with {@code metadata}
     * (provisional: the writer may get other metadata); the tensors {@code later} accepts are left alone.
     */
    public static WriteAhead open(Path target, List<TensorSpec> specs, Map<String, String> metadata, int reserveBytes,
                                  SafetensorsFile source, Predicate<String> later) {
        Path absolute = target.toAbsolutePath();
        HeaderLayout layout = SafetensorsWriter.pageMatched(absolute, specs, metadata, reserveBytes, source);
        Path temp = SafetensorsWriter.tempBeside(absolute);
        return new WriteAhead(absolute, temp, SafetensorsWriter.createTemp(absolute, temp), source, layout, later);
    }

    /**
     * Writes the whole blocks that lie inside a run of tensors {@code later} does not accept, following each
     * other in the source as in the file, from the end of the file towards its start: until done, {@link
     * #finish()}ed, or the writer that goes on with this file, front to back, has reached the block.
     */
    public void run() {
        synchronized (this) {
            if (stopped || closed) return;
            running = true;
        }
        try {
            writeBackwards();
        } finally {
            synchronized (this) {
                running = false;
                notifyAll();
            }
        }
    }

    private void writeBackwards() {
        int alignment = BlockOutput.directAlignment(temp);
        if (alignment == 0) return;
        blockBytes = BlockOutput.blockBytes(layout.fileSize(), alignment);
        FileChannel direct = BlockOutput.openDirect(temp);
        if (direct == null) return;
        Reflink reflink = Reflink.open(source.path(), temp).orElse(null);
        try (direct; reflink) {
            List<TensorInfo> tensors = layout.header().tensors();
            long dataStart = layout.header().dataStart();
            MemorySegment mapped = null;
            for (int j = tensors.size(); j > 0 && !stopped; ) {
                TensorInfo last = tensors.get(j - 1);
                if (later.test(last.name())) {
                    j--;
                    continue;
                }
                // A run ends with tensor j - 1: extend it towards the start while the source bytes follow each other too.
                long from = source.filePosition(last.name());
                long length = last.byteLength();
                int i = j - 1;
                while (i > 0 && !later.test(tensors.get(i - 1).name())
                       && source.filePosition(tensors.get(i - 1).name()) + tensors.get(i - 1).byteLength() == from) {
                    i--;
                    from = source.filePosition(tensors.get(i).name());
                    length += tensors.get(i).byteLength();
                }
                // The run's bytes sit at [start, start + length) of the new file; its whole blocks go, last first.
                long start = dataStart + tensors.get(i).begin();
                long firstBlock = (start + blockBytes - 1) / blockBytes;
                for (long k = (start + length) / blockBytes - 1; k >= firstBlock && !stopped; k--) {
                    if (k * blockBytes < reached) return;  // the writer is there already: all before it is its own
                    long position = from + (k * blockBytes - start);
                    if (position % alignment != 0) break;  // the run is not at the same page offset in both files
                    if (reflink == null || !reflink.share(position, blockBytes, k * blockBytes)) {
                        if (mapped == null) mapped = source.mapped();
                        MemorySegment block = mapped.asSlice(position, blockBytes);
                        if (block.address() % alignment != 0) break;
                        BlockOutput.writeDirect(direct, block.asByteBuffer(), k * blockBytes);
                        BlockOutput.releasePages(block);
                    }
                    written.put(k, position);
                }
                j = i;
            }
        } catch (IOException | WiscaException e) {
            // Only a head start: the blocks not recorded are the writer's to write, and to fail on if the cause persists.
        }
    }

    /**
     * Stops {@link #run()} after the block it is writing and waits until it has returned; a run not begun
     * yet will write nothing. The writer calls this before it completes the file.
     */
    public void finish() {
        synchronized (this) {
            stopped = true;
            while (running) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new WiscaException(ErrorKind.IO, target, null, "interrupted while the head start finished its block", e);
                }
            }
        }
    }

    /** The writer going on with this file has written up to {@code bytes}: blocks before that are its own. */
    void reached(long bytes) { reached = bytes; }

    /** Blocks written so far. */
    public int blocksWritten() { return written.size(); }

    /** Whether block {@code index} of {@code blockBytes} bytes was written here from {@code position} of {@code from}. */
    boolean holds(SafetensorsFile from, long index, long blockBytes, long position) {
        Long at = written.get(index);
        return from == source && at != null && at == position && blockBytes == this.blockBytes;
    }

    /** The temp file this head start writes. */
    Path temp() { return temp; }

    /**
     * Gives the temp file to the writer of {@code absolute} (its target) with its final {@code layout}: from
     * now on the writer deletes it or commits it. Laid out otherwise than here (the provisional metadata was
     * of another length), every block written here sits where the writer puts other bytes: this head start
     * is then finished and none of its blocks is kept, so nothing written here can land after the writer's
     * own bytes. Laid out alike, each block written here holds what the writer puts there, at any time.
     */
    FileChannel handOver(Path absolute, HeaderLayout layout) {
        if (!absolute.equals(target)) throw new IllegalArgumentException("a head start on " + target + " cannot go on as " + absolute);
        synchronized (this) {
            if (handedOver || closed) throw new IllegalStateException("the head start on " + target + " was handed over or closed");
            handedOver = true;
        }
        if (layout.header().dataStart() != this.layout.header().dataStart() || layout.fileSize() != this.layout.fileSize()) {
            finish();
            written.clear();
        }
        return channel;
    }

    /** Finishes ({@link #finish()}) and deletes the temp file unless a writer took it over. */
    @Override
    public void close() {
        finish();
        synchronized (this) {
            if (closed) return;
            closed = true;
            if (handedOver) return;
        }
        try {
            channel.close();
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, target, null, "cannot delete the temp file " + temp + ": " + e, e);
        }
    }
}
