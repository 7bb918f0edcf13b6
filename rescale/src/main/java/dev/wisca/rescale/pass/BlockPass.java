package dev.wisca.rescale.pass;

import dev.wisca.io.TensorSource;
import dev.wisca.rescale.Progress;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.BinaryOperator;

/**
 * The one read-only pass engine over tensor bytes, shared by the planning statistics
 * ({@code stats.StatsPass}) and the weight-pattern statistics ({@code pattern.PatternStats}): the
 * caller cuts its tensors into {@link Block}s, the engine reads each block's bytes with
 * {@link TensorSource#read} (positional file reads, not the mapping: a file truncated underneath is
 * a typed FILE_CHANGED, not a fault inside a kernel) into a buffer reused from pass to pass ({@link BlockBuffers}), runs
 * the caller's reduction on it, in parallel on {@code parallelism} threads, reports the phase's
 * progress, and merges the partial results as they complete. Merges follow the blocks' order (an
 * ordered stream reduction: a left operand always covers blocks before its right one, and the merge
 * tree depends only on the number of blocks and the JVM's common-pool size, not on thread timing),
 * so the floating-point sums, and everything computed from them, are the same on every run on a machine.
 */
public final class BlockPass {
    /** Elements per block: large enough to amortise a task's overhead, small enough to balance two cores. */
    public static final long BLOCK_ELEMENTS = 1L << 20;

    /** A byte range {@code [byteOffset, byteOffset + byteLength)} of one tensor's data, reduced on its own. */
    public interface Block {
        String tensor();

        long byteOffset();

        long byteLength();
    }

    private BlockPass() {}

    /** How many whole rows of {@code rowElements} make a block of about {@code blockElements} (at least one). */
    public static long rowsPerBlock(long rowElements, long blockElements) {
        return Math.max(1, blockElements / Math.max(1, rowElements));
    }

    /**
     * Runs {@code reduce} on every block's bytes and folds the results with {@code merge}, reporting
     * phase {@code phase} to {@code progress}: all blocks' bytes, and a tensor as completed when its
     * last block is done.
     *
     * @param reduce a block's partial result from its bytes (valid only during the call: the buffer is reused)
     * @param merge  combines two partial results, the left one's blocks preceding the right one's;
     *               it may update and return its left operand (each partial result is merged once)
     * @return the merged result, or empty when there are no blocks
     */
    public static <B extends Block, R> Optional<R> run(TensorSource source, List<B> blocks, int parallelism, String phase,
                                                       Progress progress, BiFunction<B, MemorySegment, R> reduce,
                                                       BinaryOperator<R> merge) {
        Map<String, AtomicInteger> blocksLeft = new HashMap<>();
        long totalBytes = 0;
        for (B b : blocks) {
            blocksLeft.computeIfAbsent(b.tensor(), t -> new AtomicInteger()).incrementAndGet();
            totalBytes += b.byteLength();
        }
        progress.start(phase, totalBytes, blocksLeft.size());
        try (ForkJoinPool pool = new ForkJoinPool(Math.max(1, parallelism))) {
            return pool.submit(() -> blocks.parallelStream().map(b -> {
                MemorySegment buffer = BlockBuffers.take(b.byteLength());
                R result;
                try {
                    MemorySegment bytes = buffer.asSlice(0, b.byteLength());
                    source.read(b.tensor(), b.byteOffset(), bytes);
                    result = reduce.apply(b, bytes);
                } finally {
                    BlockBuffers.giveBack(buffer);
                }
                boolean tensorDone = blocksLeft.get(b.tensor()).decrementAndGet() == 0;
                progress.advance(b.byteLength(), tensorDone ? 1 : 0);
                return result;
            }).reduce(merge)).join();
        } finally {
            progress.finish();
        }
    }
}
