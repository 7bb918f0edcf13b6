package dev.wisca.rescale.apply;

import dev.wisca.io.FileChannels;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.SafetensorsFile;
import dev.wisca.io.WiscaException;
import dev.wisca.io.inplace.EarlyWriteback;
import dev.wisca.io.inplace.FaultPoint;
import dev.wisca.io.inplace.PageSums;
import dev.wisca.io.inplace.Pow2Scaling;
import dev.wisca.rescale.Progress;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The tensors of an in-place rewrite scaled by powers of two: the journal's pre-pass (page sums of the
 * original bytes) and their rewrite (the exponent shift of each element, which where it is exact is bit
 * for bit what the scaling engine computes: the product is representable, so its correct rounding is
 * itself). A chunk with an element that does not shift exactly (subnormal, Inf/NaN, a result out of the
 * normal range) is not written, nor the rest of that tensor: the rewrite goes on with the others and
 * reports such tensors, so that the caller rolls back and journals them by their before-images
 * instead (rare in bf16, so not paid for by a separate check pass).
 * Both run over the file's own 4 KiB pages, {@value #CHUNK_PAGES} at a time, one tensor per pool
 * thread, reading the shard's mapping and writing with positional writes.
 */
final class ShiftedTensors {
    /** Pages per step: 1 MiB, so a chunk stays in cache between its scaling and its write. */
    static final int CHUNK_PAGES = 256;

    /** One tensor to shift: where its bytes are in {@code shard}, its scaling, and once known its page sums. */
    record Shifted(SafetensorsFile shard, String tensor, long fileOffset, long length, Pow2Scaling scaling, int[] sums) {
        Shifted withSums(int[] pageSums) { return new Shifted(shard, tensor, fileOffset, length, scaling, pageSums); }
    }

    private ShiftedTensors() {}

    /** Tensors some element of which does not shift exactly; the caller rolls back (a control-flow signal, no stack). */
    static final class NotExact extends RuntimeException {
        final List<Shifted> tensors;

        NotExact(List<Shifted> tensors) {
            super(tensors.size() + " tensors do not scale exactly by their powers of two", null, false, false);
            this.tensors = List.copyOf(tensors);
        }
    }

    /** The page sums of each tensor's original bytes. */
    static List<int[]> sums(List<Shifted> tensors, ForkJoinPool pool) {
        int[][] sums = new int[tensors.size()][];
        eachOnPool(tensors, pool, (index, t, chunk) -> {
            int[] mine = new int[2 * PageSums.pages(t.fileOffset(), t.length())];
            forEachChunk(t, (bytes, start, firstPage) -> {
                for (int p = 0; p < pages(bytes, start); p++) {
                    long from = Math.max(start, PageSums.alignDown(start) + (long) p * PageSums.PAGE);
                    long to = Math.min(start + bytes.byteSize(), PageSums.alignDown(start) + (long) (p + 1) * PageSums.PAGE);
                    PageSums.record(bytes.asSlice(from - start, to - from), mine, firstPage + p);
                }
                return true;
            });
            sums[index] = mine;
        });
        return java.util.Arrays.asList(sums);
    }

    /**
     * Overwrites each tensor's bytes with their scaled values (not fsynced: the caller forces each
     * shard); returns the tensors it found not exact, and left partly rewritten.
     */
    static List<Shifted> rewrite(List<Shifted> tensors, ForkJoinPool pool, FileChannel out, EarlyWriteback writeback, Progress progress,
                                AtomicInteger written) {
        List<Shifted> inexact = new CopyOnWriteArrayList<>();
        eachOnPool(tensors, pool, (index, t, chunk) -> {
            boolean exact = forEachChunk(t, (bytes, start, firstPage) -> {
                MemorySegment scaled = chunk.asSlice(0, bytes.byteSize());
                if (!t.scaling().scale(bytes, (start - t.fileOffset()) / Pow2Scaling.ELEMENT_BYTES, scaled, false)) return false;
                ByteBuffer b = scaled.asByteBuffer();
                try {
                    FileChannels.writeFully(out, b, start + b.position());
                    writeback.wrote(scaled.byteSize());
                } catch (IOException e) {
                    throw new WiscaException(ErrorKind.IO, t.shard().path(), t.tensor(), "cannot rewrite in place: " + e, e);
                }
                synchronized (progress) {
                    progress.advance(bytes.byteSize(), 0);
                }
                FaultPoint.at("mid-tensor");
                return true;
            });
            if (!exact) {
                inexact.add(t);
                return;
            }
            synchronized (progress) {
                progress.advance(0, 1);
            }
            FaultPoint.at("tensors:" + written.incrementAndGet());
        });
        return inexact;
    }

    private interface ChunkStep {
        /** @param start file offset of {@code bytes}; @param firstPage the tensor's page index of it */
        boolean on(MemorySegment bytes, long start, int firstPage);
    }

    private interface TensorStep {
        void on(int index, Shifted tensor, MemorySegment chunk);
    }

    private static int pages(MemorySegment bytes, long start) { return PageSums.pages(start, bytes.byteSize()); }

    /**
     * Steps through {@code t} chunk by chunk (chunks end on file pages), each a slice of the shard's
     * read-only mapping: no copy into a buffer (one pass over 400 MB fewer for the sums and for the
     * rewrite each). A shard truncated by someone else meanwhile faults the JVM (SIGBUS) where a read
     * would have thrown; for this rewrite either is a crash the journal covers, and the recovery then
     * refuses the changed shard (UNFINISHED_JOURNAL, the size the journal recorded differs). Each chunk's pages
     * are released from the mapping once its step is done ({@link MemorySegment#unload}). False once a step
     * returns false.
     */
    private static boolean forEachChunk(Shifted t, ChunkStep step) {
        MemorySegment data = t.shard().tensor(t.tensor()).data();
        int pages = PageSums.pages(t.fileOffset(), t.length());
        for (int p = 0; p < pages; p += CHUNK_PAGES) {
            long start = PageSums.pageStart(t.fileOffset(), p);
            long end = PageSums.pageEnd(t.fileOffset(), t.length(), Math.min(pages, p + CHUNK_PAGES) - 1);
            MemorySegment bytes = data.asSlice(start - t.fileOffset(), end - start);
            boolean more = step.on(bytes, start, p);
            // Done with these pages: drop them from this process's page tables (the page cache keeps them), so the
            // resident set does not grow by every rewritten tensor (398 MB of a 2 GB llama) until the shard is closed.
            bytes.unload();
            if (!more) return false;
        }
        return true;
    }

    /** Runs {@code step} on every tensor, the pool's threads each taking the next, each with its own chunk buffer. */
    private static void eachOnPool(List<Shifted> tensors, ForkJoinPool pool, TensorStep step) {
        if (tensors.isEmpty()) return;
        AtomicInteger next = new AtomicInteger();
        int workers = Math.min(pool.getParallelism(), tensors.size());
        try (Arena arena = Arena.ofShared()) {
            List<ForkJoinTask<RuntimeException>> tasks = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                MemorySegment chunk = arena.allocate((long) CHUNK_PAGES * PageSums.PAGE, PageSums.PAGE);
                tasks.add(pool.submit(() -> {
                    try {
                        for (int i; (i = next.getAndIncrement()) < tensors.size(); ) step.on(i, tensors.get(i), chunk);
                        return null;
                    } catch (RuntimeException e) {
                        next.set(tensors.size());   // the others stop at their next tensor
                        return e;                   // returned, not thrown: join would wrap it
                    }
                }));
            }
            RuntimeException failure = null;
            for (ForkJoinTask<RuntimeException> task : tasks) {
                RuntimeException e = task.join();
                if (failure == null) failure = e;
                else if (e != null) failure.addSuppressed(e);
            }
            if (failure != null) throw failure;
        }
    }
}
