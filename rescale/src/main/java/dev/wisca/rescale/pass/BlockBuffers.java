package dev.wisca.rescale.pass;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The direct buffers {@link BlockPass} reads blocks into, kept from one pass to the next. A fresh
 * buffer costs a page fault for each of its 4 KiB pages the first time it is written: on the
 * development VM (nested paging) allocating and clearing a new 4 MiB buffer per worker thread per pass
 * was a third of the CPU samples of a warm statistics pass over the q/k/v/o of a 2 GB checkpoint. A
 * long-running JVM that plans again (serve, watch, the hooks, the bench) now reuses what the previous
 * pass left: at most {@link #KEPT} idle buffers of {@link #STANDARD} bytes, the most recently
 * returned first (still in the cache). A block larger than that (a row longer than a block, f64) gets a
 * buffer of its own, left to the garbage collector.
 */
final class BlockBuffers {
    /** One block of {@link BlockPass#BLOCK_ELEMENTS} f32 elements: every block of f32, bf16 and f16 rows that fit it. */
    static final long STANDARD = BlockPass.BLOCK_ELEMENTS * Float.BYTES;
    /** Idle buffers kept: one per core, what a pass at the default parallelism has in use at once. */
    static final int KEPT = Runtime.getRuntime().availableProcessors();

    private static final ConcurrentLinkedDeque<MemorySegment> IDLE = new ConcurrentLinkedDeque<>();
    private static final AtomicInteger IDLE_COUNT = new AtomicInteger();

    private BlockBuffers() {}

    /** A buffer of at least {@code bytes}, 64-byte aligned, used by the caller alone until {@link #giveBack}. */
    static MemorySegment take(long bytes) {
        if (bytes <= STANDARD) {
            MemorySegment idle = IDLE.pollFirst();
            if (idle != null) {
                IDLE_COUNT.decrementAndGet();
                return idle;
            }
        }
        return Arena.ofAuto().allocate(Math.max(bytes, STANDARD), 64);
    }

    /** Returns a buffer from {@link #take}; the caller must not touch it after this. */
    static void giveBack(MemorySegment buffer) {
        if (buffer.byteSize() != STANDARD) return;
        if (IDLE_COUNT.incrementAndGet() <= KEPT) {
            IDLE.offerFirst(buffer);
        } else {
            IDLE_COUNT.decrementAndGet();
        }
    }

    /** Idle buffers now (tests). */
    static int idle() { return IDLE_COUNT.get(); }
}
