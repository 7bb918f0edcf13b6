package dev.wisca.rescale.apply;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.Tensor;
import dev.wisca.io.TensorSource;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.backend.Backend;
import dev.wisca.rescale.backend.MatrixView;
import dev.wisca.rescale.plan.TensorFactors;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * Produces a scaled tensor's bytes chunk by chunk (a writer's chunk filler): each chunk is split
 * into pieces computed in parallel on the pool, every element computed in double and rounded once
 * to the stored dtype. Memory use is the caller's chunk (plus the input buffer), whatever the tensor size.
 *
 * <p>Given a {@link TensorSource} and an input buffer, each chunk's source bytes are first read from
 * the file into that buffer (positional reads: a file truncated underneath is a typed FILE_CHANGED
 * rather than a fault in the vector kernel); otherwise they are read from the tensor's segment.
 */
public final class TensorScaler {
    /** Smallest piece worth a task of its own. */
    static final long PIECE_ELEMENTS = 1L << 16;

    private final Tensor source;
    private final MatrixView view;
    private final double[] rows;
    private final double[] cols;
    private final boolean offsetGain;
    private final Backend backend;
    private final ForkJoinPool pool;
    private final TensorSource reads;
    private final MemorySegment input;

    /** Reads the source elements from {@code source.data()}. */
    public TensorScaler(Tensor source, TensorFactors factors, Backend backend, ForkJoinPool pool) {
        this(source, factors, backend, pool, null, null);
    }

    /**
     * Reads each chunk's source elements from {@code reads} into {@code input} first, in parts of
     * {@code input}'s size (whole elements) when a chunk is larger.
     */
    public TensorScaler(Tensor source, TensorFactors factors, Backend backend, ForkJoinPool pool,
                        TensorSource reads, MemorySegment input) {
        if (source.dtype() != factors.dtype() || !Arrays.equals(source.shape(), factors.shape())) {
            throw new WiscaException(ErrorKind.INVALID_PLAN, source.file(), source.name(), "the plan was made for "
                + factors.dtype() + Arrays.toString(factors.shape()) + ", the tensor is "
                + source.dtype() + Arrays.toString(source.shape()));
        }
        this.source = source;
        this.view = MatrixView.of(source.data(), source.dtype(), source.shape());
        this.rows = factors.rows();
        this.cols = factors.cols();
        this.offsetGain = factors.offsetGain();
        this.backend = backend;
        this.pool = pool;
        this.reads = reads;
        this.input = input;
    }

    /**
     * Checks a piece of scaled output right after it is computed, on the thread that computed it; not run on a
     * piece the backend reports as exact exponent shifts ({@link Backend#scale(MatrixView, MemorySegment, long,
     * long, MemorySegment, double[], double[], boolean)} true), whose values cannot have left the dtype's range.
     */
    @FunctionalInterface
    public interface PieceCheck {
        PieceCheck NONE = (piece, byteOffset) -> {};

        /** @param byteOffset where {@code piece} starts in the tensor */
        void check(MemorySegment piece, long byteOffset);
    }

    /** Fills {@code chunk} with the scaled tensor bytes starting at {@code byteOffset} (element-aligned). */
    public void fill(MemorySegment chunk, long byteOffset) {
        fill(chunk, byteOffset, PieceCheck.NONE);
    }

    /**
     * As {@link #fill(MemorySegment, long)}, running {@code check} on each piece in its task (so a
     * check over the output runs in parallel too). When checks fail, the first piece's failure is thrown.
     */
    public void fill(MemorySegment chunk, long byteOffset, PieceCheck check) {
        long part = reads == null ? chunk.byteSize() : input.byteSize();
        for (long done = 0; done < chunk.byteSize(); done += part) {
            fillPart(chunk.asSlice(done, Math.min(part, chunk.byteSize() - done)), byteOffset + done, check);
        }
    }

    private void fillPart(MemorySegment chunk, long byteOffset, PieceCheck check) {
        int elementBytes = source.dtype().byteSize();
        long first = byteOffset / elementBytes;
        long count = chunk.byteSize() / elementBytes;
        MemorySegment elements;
        if (reads == null) {
            elements = source.data().asSlice(byteOffset, chunk.byteSize());
        } else {
            elements = input.asSlice(0, chunk.byteSize());
            reads.read(source.name(), byteOffset, elements);
        }
        if (count <= PIECE_ELEMENTS || pool.getParallelism() == 1) {
            if (!backend.scale(view, elements, first, count, chunk, rows, cols, offsetGain)) check.check(chunk, byteOffset);
            return;
        }
        long pieces = Math.min(pool.getParallelism() * 4L, (count + PIECE_ELEMENTS - 1) / PIECE_ELEMENTS);
        long per = (count + pieces - 1) / pieces;
        List<ForkJoinTask<RuntimeException>> tasks = new ArrayList<>();
        for (long start = 0; start < count; start += per) {
            long from = start;
            long n = Math.min(per, count - start);
            tasks.add(pool.submit(() -> {
                MemorySegment out = chunk.asSlice(from * elementBytes, n * elementBytes);
                try {
                    boolean shifted = backend.scale(view, elements.asSlice(from * elementBytes, n * elementBytes), first + from, n,
                        out, rows, cols, offsetGain);
                    if (!shifted) check.check(out, byteOffset + from * elementBytes);
                    return null;
                } catch (RuntimeException e) {
                    return e;  // returned, not thrown: join would wrap it, and the caller wants the first piece's own
                }
            }));
        }
        RuntimeException failure = null;
        for (ForkJoinTask<RuntimeException> task : tasks) {
            RuntimeException e = task.join();
            if (failure == null) failure = e;
        }
        if (failure != null) throw failure;
    }

    /** Scales the whole tensor into {@code target} (exactly its byte length), {@code chunkBytes} at a time. */
    public void fillAll(MemorySegment target, long chunkBytes) {
        long size = target.byteSize();
        long step = Math.max(source.dtype().byteSize(), chunkBytes - chunkBytes % source.dtype().byteSize());
        for (long done = 0; done < size; done += step) fill(target.asSlice(done, Math.min(step, size - done)), done);
    }
}
