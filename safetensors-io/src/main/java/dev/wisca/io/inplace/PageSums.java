package dev.wisca.io.inplace;

import java.lang.foreign.MemorySegment;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/**
 * Two independent 32-bit checksums, CRC32C and CRC32 (both JDK intrinsics), of each 4 KiB page of a
 * byte range of a file: what an in-place journal records of the bytes it does not copy. Pages are the
 * file's own (offsets multiples of {@value #PAGE}, the unit a killed write or the page cache leaves
 * whole), clipped to the range, so the first and last may be shorter. Page {@code p}'s sums are
 * {@code sums[2p]} (CRC32C) and {@code sums[2p + 1]} (CRC32).
 */
public final class PageSums {
    public static final int PAGE = 4096;
    /** The unit a power loss may tear a page into. */
    public static final int SECTOR = 512;

    private PageSums() {}

    /** Pages of the range {@code [offset, offset + length)}. */
    public static int pages(long offset, long length) {
        return length == 0 ? 0 : Math.toIntExact((alignDown(offset + length - 1) - alignDown(offset)) / PAGE + 1);
    }

    /** File offset where page {@code p} of the range starts. */
    public static long pageStart(long offset, int p) { return Math.max(offset, alignDown(offset) + (long) p * PAGE); }

    /** File offset where page {@code p} of the range ends (exclusive). */
    public static long pageEnd(long offset, long length, int p) { return Math.min(offset + length, alignDown(offset) + (long) (p + 1) * PAGE); }

    /** The page of the range holding file offset {@code at}. */
    public static int pageOf(long offset, long at) { return Math.toIntExact((alignDown(at) - alignDown(offset)) / PAGE); }

    public static long alignDown(long at) { return at - Math.floorMod(at, PAGE); }

    /** Records page {@code p}'s sums of {@code bytes} (that page's bytes, exactly). */
    public static void record(MemorySegment bytes, int[] sums, int p) {
        sums[2 * p] = crc32c(bytes);
        sums[2 * p + 1] = crc32(bytes);
    }

    /** Whether {@code bytes} has page {@code p}'s recorded sums (both). */
    public static boolean matches(MemorySegment bytes, int[] sums, int p) {
        return crc32c(bytes) == sums[2 * p] && crc32(bytes) == sums[2 * p + 1];
    }

    private static int crc32c(MemorySegment bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes.asByteBuffer());
        return (int) crc.getValue();
    }

    private static int crc32(MemorySegment bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes.asByteBuffer());
        return (int) crc.getValue();
    }
}
