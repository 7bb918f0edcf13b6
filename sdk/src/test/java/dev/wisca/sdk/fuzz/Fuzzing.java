package dev.wisca.sdk.fuzz;

import dev.wisca.io.WiscaException;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs one fuzz case: it returns or throws a WiscaException; anything else, a hang or a runaway allocation fails the case. */
final class Fuzzing {
    /** A guard against hangs, far above the milliseconds one case takes. */
    static final Duration HANG_LIMIT = Duration.ofSeconds(60);
    /** What reading a few-kilobyte input may allocate at most (a forged length must not be believed). */
    static final long ALLOCATION_LIMIT = 256L << 20;

    private Fuzzing() {}

    /** "ok", or the kind of the WiscaException. */
    static String outcome(Supplier<?> run) {
        return assertTimeoutPreemptively(HANG_LIMIT, () -> {
            com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = threads.getCurrentThreadAllocatedBytes();
            String outcome;
            try {
                run.get();
                outcome = "ok";
            } catch (WiscaException e) {
                outcome = e.kind().displayName();
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertTrue(allocated < ALLOCATION_LIMIT, "allocated " + allocated + " bytes");
            return outcome;
        });
    }
}
