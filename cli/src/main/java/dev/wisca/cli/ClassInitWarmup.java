package dev.wisca.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.foreign.MemorySegment;
import java.math.BigDecimal;
import java.util.Locale;

/**
 * Runs the slow first uses of three JDK APIs (and, for commands beyond inspect, Jackson's tree model) on a second thread as a command starts, beside the main
 * thread on a second core; a thread that needs a class sooner waits for its initialization, so nothing
 * runs twice and nothing changes but the time:
 * <ul>
 *   <li>{@link BigDecimal}: JDK 25's computes 5^(2^16) in its static initializer, tens of milliseconds of
 *       interpreted big-integer squaring, and every command reaches it through Jackson (its parser base
 *       class holds BigDecimal constants) when it reads an index, a header or a config: about a tenth of
 *       a 100-shard inspect;</li>
 *   <li>{@link MemorySegment} (the FFM API, with which every file is read): its initialization builds the
 *       value layouts, spinning method-handle classes that the AOT cache cannot hold;</li>
 *   <li>{@code String.format} of a decimal ({@code Units}): the first one loads the locale data, the
 *       formatter and its parser, ~15 ms that inspect spent at its end, when printing its totals;</li>
 *   <li>Jackson's {@code ObjectMapper} and tree model, which every command but inspect reaches when it
 *       reads config.json and binds the architecture spec: 0.25–0.35 s of a one-shot rescale's main
 *       thread, sampled with JFR, most of it the mapper's first construction and first tree.</li>
 * </ul>
 */
final class ClassInitWarmup {
    private ClassInitWarmup() {}

    /** @param trees whether the command will read JSON trees (all but the plain inspect forms) */
    static void start(boolean trees) {
        Thread.ofPlatform().daemon().name("wisca-warmup").start(() -> run(trees));
    }

    private static void run(boolean trees) {
        // In the order a command first needs them.
        BigDecimal.ONE.signum();
        MemorySegment.ofArray(new byte[1]).byteSize();
        String.format(Locale.ROOT, "%.2f %s", 1.0, "");
        if (trees) {
            try {
                new ObjectMapper().readTree("{\"a\": [1, 2.5, \"b\", true, null, {\"c\": 10000000000}]}");
            } catch (Exception e) {
                // A warm-up only: the command reports its own JSON errors.
            }
        }
    }
}
