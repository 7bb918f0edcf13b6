package dev.wisca.io;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's file-backed resident memory (RssFile of /proc/self/status): the mapped pages it holds. */
final class ResidentPages {
    private ResidentPages() {}

    static long fileBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("RssFile:")) return Long.parseLong(line.substring(8).trim().split("\\s+")[0]) * 1024;
            }
        } catch (IOException | RuntimeException e) {
            throw new AssertionError("cannot read RssFile from /proc/self/status (these tests need Linux): " + e, e);
        }
        throw new AssertionError("/proc/self/status has no RssFile line");
    }

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
