package dev.wisca.io;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** This process's file-backed resident memory (RssFile of /proc/self/status): the mapped pages it holds. */
final class ResidentPages {
    private ResidentPages() {}

    static long fileBytes() { return ProcStatus.selfRequired(ProcStatus.RSS_FILE); }

    /**
     * Asserts that writing {@code written} bytes from an input's mapped pages left fewer than a quarter of them
     * resident in this process ({@code before}: {@link #fileBytes()} before the writes, the input still open after).
     */
    static void assertReleased(long before, long written) {
        long grown = fileBytes() - before;
        assertTrue(written >= 8L << 20, "enough written from the mapping to tell: " + written);
        assertTrue(grown < written / 4, "the input's pages a direct write was made from stay mapped in this process: RssFile grew by "
            + grown + " bytes for " + written + " written from them");
    }
}
