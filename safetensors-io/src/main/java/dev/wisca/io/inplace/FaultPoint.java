package dev.wisca.io.inplace;

/**
 * Crash tests' hook: when the system property {@code wisca.fault} names the point reached, the JVM
 * halts there at once (no shutdown hooks, no finally blocks, no flush), as a {@code kill -9} would.
 * Read once; a no-op comparison otherwise.
 */
public final class FaultPoint {
    /** Exit status of a halt at a fault point, so a test can tell it from a failure. */
    public static final int HALT_STATUS = 86;

    private static final String ARMED = System.getProperty("wisca.fault", "");

    private FaultPoint() {}

    public static void at(String point) {
        if (!ARMED.isEmpty() && ARMED.equals(point)) Runtime.getRuntime().halt(HALT_STATUS);
    }
}
