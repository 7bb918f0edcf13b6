package dev.wisca.io.inplace;

import dev.wisca.io.FileChannels;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Rolls a journaled power-of-two span back to its original bytes, page by page, from the journal's
 * page sums and the inverse scaling alone. Each page is found in one of these states, and only the
 * original's sums (CRC32C and CRC32) decide which:
 * <ul>
 *   <li>original: left as it is;</li>
 *   <li>rescaled: the inverse scaling of its bytes is the original;</li>
 *   <li>torn: a killed write left an element prefix rescaled, or a power loss kept some of its
 *       512-byte sectors rescaled and others not; every prefix boundary and every sector subset is
 *       tried.</li>
 * </ul>
 * A page none of these restores (changed by something else since) is refused with UNFINISHED_JOURNAL
 * naming the shard: nothing is guessed, the journal stays. Restoring is idempotent (an original page
 * is left alone), so a recovery killed halfway is finished by the next.
 */
final class ShiftedPages {
    private ShiftedPages() {}

    /** Restores {@code span} of {@code file} (the shard {@code shard}); the caller fsyncs it. */
    static void restore(FileChannel file, UndoJournal.ShiftSpan span, int[] sums, Path shard, Path journal) throws IOException {
        int pages = PageSums.pages(span.offset(), span.length());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment now = arena.allocate(PageSums.PAGE);
            MemorySegment unscaled = arena.allocate(PageSums.PAGE);
            MemorySegment candidate = arena.allocate(PageSums.PAGE);
            for (int p = 0; p < pages; p++) {
                long start = PageSums.pageStart(span.offset(), p);
                int length = (int) (PageSums.pageEnd(span.offset(), span.length(), p) - start);
                MemorySegment page = now.asSlice(0, length);
                readFully(file, page.asByteBuffer(), start, shard);
                if (PageSums.matches(page, sums, p)) continue;
                MemorySegment inverse = unscaled.asSlice(0, length);
                // Exactness does not matter here: whatever the inverse gives is checked against the sums.
                span.scaling().scale(page, (start - span.offset()) / Pow2Scaling.ELEMENT_BYTES, inverse, true);
                MemorySegment original = original(page, inverse, candidate.asSlice(0, length), start, sums, p);
                if (original == null) {
                    throw WiscaException.of(ErrorKind.UNFINISHED_JOURNAL, shard, "bytes " + start + ".." + (start + length)
                        + " of tensor " + span.tensor() + " match neither their original, nor their rescaled form, nor a torn"
                        + " mix of both (changed since the interrupted in-place rewrite?); the journal " + journal.getFileName()
                        + " stays: restore the checkpoint from a copy, then remove it");
                }
                ByteBuffer out = original.asByteBuffer();
                FileChannels.writeFully(file, out, start + out.position());
                FaultPoint.at("rollback-page");
            }
        }
    }

    /** The page's original bytes, or null: all rescaled, an element prefix rescaled, or a subset of its sectors. */
    static MemorySegment original(MemorySegment now, MemorySegment inverse, MemorySegment candidate, long start, int[] sums, int p) {
        if (PageSums.matches(inverse, sums, p)) return inverse;
        int length = (int) now.byteSize();
        candidate.copyFrom(now);
        for (int at = 0; at < length; at += Pow2Scaling.ELEMENT_BYTES) {     // elements [0, at] rescaled, the rest not
            MemorySegment.copy(inverse, at, candidate, at, Pow2Scaling.ELEMENT_BYTES);
            if (PageSums.matches(candidate, sums, p)) return candidate;
        }
        long firstCut = start - Math.floorMod(start, PageSums.SECTOR) + PageSums.SECTOR;
        int sectors = 1 + (firstCut < start + length ? (int) ((start + length - 1 - firstCut) / PageSums.SECTOR) + 1 : 0);
        if (sectors == 1) return null;
        for (int subset = 1; subset < (1 << sectors) - 1; subset++) {                // which sectors are rescaled
            for (int s = 0; s < sectors; s++) {
                int from = s == 0 ? 0 : (int) (firstCut - start) + (s - 1) * PageSums.SECTOR;
                int to = Math.min(length, (int) (firstCut - start) + s * PageSums.SECTOR);
                MemorySegment.copy((subset & (1 << s)) != 0 ? inverse : now, from, candidate, from, to - from);
            }
            if (PageSums.matches(candidate, sums, p)) return candidate;
        }
        return null;
    }

    private static void readFully(FileChannel file, ByteBuffer into, long position, Path shard) throws IOException {
        if (!FileChannels.readFully(file, into, position)) {
            throw WiscaException.of(ErrorKind.UNFINISHED_JOURNAL, shard, "ends before the bytes an in-place journal restores");
        }
    }
}
