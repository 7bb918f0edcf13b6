package dev.wisca.rescale.backend.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Gets the statistics vector kernels compiled by C2 off the critical path: once started, a daemon
 * thread runs them on a small block of its own (bf16 and f32, with and without factors, both axes)
 * until each has run often enough for C2 to compile it, then reports them {@link #ready}. Until
 * then the statistics stay on {@link StatsLanes}, so no real block runs through the Vector API's
 * boxed fallback (100× slower) while C2 catches up. The bits are the same either way.
 */
final class VectorWarmUp {
    /** Calls (a quarter per kernel variant): past C2's invocation and loop-count thresholds; measured: 5,000 suffice. */
    private static final int CALLS = 8_000;
    private static final int ROWS = 4;
    private static final int COLS = 64;

    private static final AtomicBoolean STARTED = new AtomicBoolean();
    private static volatile boolean ready;

    private VectorWarmUp() {}

    static boolean ready() { return ready; }

    /** Starts the warm-up thread, once per JVM. */
    static void start() {
        if (!STARTED.compareAndSet(false, true)) return;
        Thread.ofPlatform().daemon().name("wisca-stats-vector-warm-up").start(() -> {
            run(CALLS);
            ready = true;
        });
    }

    /**
     * Warms the kernels up on the calling thread and reports them ready when it returns (a benchmark
     * measuring a long-running JVM's statistics); no background thread is started after this.
     */
    static void runNow() {
        STARTED.set(true);
        if (ready) return;
        run(CALLS);
        ready = true;
    }

    /** Runs every statistics vector kernel variant {@code calls} times on a small block of its own. */
    static void run(int calls) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment block = arena.allocate(4L * ROWS * COLS, 64);
            for (int k = 0; k < ROWS * COLS; k++) block.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, k, (k % 17 - 8) * 0.01f);
            double[] factors = new double[COLS];
            Arrays.fill(factors, 1.5);
            double[] out = new double[4];
            double[] sum = new double[COLS], absSum = new double[COLS], sqSum = new double[COLS], absMax = new double[COLS];
            ByteOrder le = ByteOrder.LITTLE_ENDIAN;
            for (int i = 0; i < calls; i++) {
                boolean bf16 = (i & 1) == 0;
                double[] cf = (i & 2) == 0 ? null : factors;
                VectorKernels.reduceRow(block, 0, COLS, bf16, le, cf, out);
                VectorKernels.accumulateRows(block, (bf16 ? 2L : 4L) * COLS, ROWS, COLS, bf16, le,
                    (i & 4) == 0 ? null : factors, 0, sum, absSum, sqSum, absMax);
            }
        }
    }
}
