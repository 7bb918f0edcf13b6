package dev.wisca.cli;

import java.math.BigDecimal;

/**
 * Initializes {@link BigDecimal} on a second thread as a command starts. JDK 25's BigDecimal computes
 * 5^(2^16) in its static initializer, tens of milliseconds of interpreted big-integer squaring, and
 * every command reaches it through Jackson (its parser base class holds BigDecimal constants) when it
 * reads an index, a header or a config: about a tenth of a 100-shard inspect. Started before the
 * arguments are parsed, it runs beside the main thread on a second core; a thread that needs the class
 * sooner waits for this initialization, so nothing runs twice and nothing changes but the time.
 */
final class BigDecimalWarmup {
    private BigDecimalWarmup() {}

    static void start() {
        Thread.ofPlatform().daemon().name("wisca-warmup").start(() -> BigDecimal.ONE.signum());
    }
}
