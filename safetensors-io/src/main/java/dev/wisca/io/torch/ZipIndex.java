package dev.wisca.io.torch;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The central directory of a zip archive as torch.save writes it (stored entries, zip64 when large,
 * data descriptors after the data): where each entry's bytes lie and where its CRC-32 is written, so
 * that an entry can be rewritten in place with bytes of the same length. Read-only; compressed or
 * multi-disk archives are refused.
 *
 * @param entries       by name, in central-directory order
 * @param commentOffset where the end record's comment length field lies (the comment follows it)
 * @param comment       the archive comment (torch writes none)
 */
public record ZipIndex(Map<String, Entry> entries, long commentOffset, String comment) {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final int END = 0x06054b50;
    private static final int END64 = 0x06064b50;
    private static final int END64_LOCATOR = 0x07064b50;
    private static final int CENTRAL = 0x02014b50;
    private static final int LOCAL = 0x04034b50;
    private static final int DESCRIPTOR = 0x08074b50;
    private static final long MAX32 = 0xFFFFFFFFL;

    /**
     * One stored entry.
     *
     * @param name       its path inside the archive
     * @param dataOffset first byte of its data in the file
     * @param size       its length in bytes (stored: compressed = uncompressed)
     * @param crc        its CRC-32 as the central directory records it
     * @param crcOffsets every place in the file holding that CRC (central directory, data descriptor, local header)
     */
    public record Entry(String name, long dataOffset, long size, long crc, long[] crcOffsets) {}

    /** Indexes the archive mapped in {@code file} (named {@code path} in errors). */
    public static ZipIndex read(MemorySegment file, Path path) {
        try {
            return parse(file, path);
        } catch (IndexOutOfBoundsException | ArithmeticException e) {
            throw bad(path, "truncated or corrupt zip archive (" + e.getMessage() + ")");
        }
    }

    private static ZipIndex parse(MemorySegment file, Path path) {
        long end = findEnd(file, path);
        long count = u16(file, end + 10);
        long cdSize = u32(file, end + 12);
        long cdOffset = u32(file, end + 16);
        int commentLength = (int) u16(file, end + 20);
        if (end + 22 + commentLength != file.byteSize()) throw bad(path, "bytes after the end of the zip archive");
        String comment = new String(file.asSlice(end + 22, commentLength).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        if (count == 0xFFFF || cdSize == MAX32 || cdOffset == MAX32) {
            long locator = end - 20;
            if (locator < 0 || u32(file, locator) != END64_LOCATOR) throw bad(path, "zip64 end record locator missing");
            long end64 = file.get(U64, locator + 8);
            if (end64 < 0 || end64 + 56 > locator || u32(file, end64) != END64) throw bad(path, "zip64 end record missing");
            count = file.get(U64, end64 + 32);
            cdSize = file.get(U64, end64 + 40);
            cdOffset = file.get(U64, end64 + 48);
        }
        if (cdOffset < 0 || cdSize < 0 || cdOffset + cdSize > end) throw bad(path, "central directory out of bounds");
        Map<String, Entry> entries = new LinkedHashMap<>();
        long at = cdOffset;
        for (long i = 0; i < count; i++) {
            Entry e = central(file, at, cdOffset + cdSize, path);
            if (entries.put(e.name(), e) != null) throw bad(path, "duplicate entry " + e.name());
            at += 46 + u16(file, at + 28) + u16(file, at + 30) + u16(file, at + 32);
        }
        return new ZipIndex(Collections.unmodifiableMap(entries), end + 20, comment);
    }

    private static Entry central(MemorySegment file, long at, long limit, Path path) {
        if (at + 46 > limit || u32(file, at) != CENTRAL) throw bad(path, "broken central directory entry at byte " + at);
        int flags = (int) u16(file, at + 8);
        int method = (int) u16(file, at + 10);
        long crc = u32(file, at + 16);
        long compressed = u32(file, at + 20);
        long size = u32(file, at + 24);
        int nameLength = (int) u16(file, at + 28);
        int extraLength = (int) u16(file, at + 30);
        long local = u32(file, at + 42);
        if (at + 46 + nameLength + extraLength > limit) throw bad(path, "central directory entry overruns at byte " + at);
        String name = new String(file.asSlice(at + 46, nameLength).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        // zip64 extra field: the 8-byte values of the fields saturated above, in this order
        for (long x = at + 46 + nameLength; x + 4 <= at + 46 + nameLength + extraLength; ) {
            int id = (int) u16(file, x);
            int length = (int) u16(file, x + 2);
            if (id == 1) {
                long v = x + 4;
                if (size == MAX32) { size = file.get(U64, v); v += 8; }
                if (compressed == MAX32) { compressed = file.get(U64, v); v += 8; }
                if (local == MAX32) local = file.get(U64, v);
            }
            x += 4 + length;
        }
        if (method != 0 || compressed != size) throw bad(path, name + " is compressed; torch.save writes stored entries only");
        if (local < 0 || local + 30 > file.byteSize() || u32(file, local) != LOCAL) throw bad(path, name + ": local header missing");
        long data = local + 30 + u16(file, local + 26) + u16(file, local + 28);
        if (size < 0 || data + size > file.byteSize()) throw bad(path, name + ": data out of bounds");
        long[] crcs = crcOffsets(file, at, local, data + size, flags, crc, path, name);
        return new Entry(name, data, size, crc, crcs);
    }

    private static long[] crcOffsets(MemorySegment file, long central, long local, long dataEnd, int flags, long crc, Path path, String name) {
        long[] offsets = {central + 16, -1, -1};
        int n = 1;
        if ((flags & 8) != 0) {
            long d = dataEnd + 4 <= file.byteSize() && u32(file, dataEnd) == DESCRIPTOR ? dataEnd + 4 : dataEnd;
            if (d + 4 > file.byteSize() || u32(file, d) != crc) throw bad(path, name + ": data descriptor disagrees with the central directory");
            offsets[n++] = d;
        }
        long localCrc = u32(file, local + 14);
        if ((flags & 8) == 0 && localCrc != crc) throw bad(path, name + ": local header CRC disagrees with the central directory");
        if (localCrc == crc && (crc != 0 || (flags & 8) == 0)) offsets[n++] = local + 14;   // with a descriptor it is often 0
        return Arrays.copyOf(offsets, n);
    }

    private static long findEnd(MemorySegment file, Path path) {
        long size = file.byteSize();
        for (long at = size - 22; at >= Math.max(0, size - 22 - 0xFFFF); at--) {
            if (u32(file, at) == END && at + 22 + u16(file, at + 20) == size) {
                if (u16(file, at + 4) != 0 || u16(file, at + 6) != 0) throw bad(path, "multi-disk zip archives are not supported");
                return at;
            }
        }
        throw bad(path, "not a zip archive (torch.save writes one; a legacy non-zip torch file is not supported)");
    }

    static long u16(MemorySegment s, long at) { return Short.toUnsignedLong(s.get(U16, at)); }

    static long u32(MemorySegment s, long at) { return Integer.toUnsignedLong(s.get(U32, at)); }

    static WiscaException bad(Path path, String detail) {
        return WiscaException.of(ErrorKind.INVALID_OPTIMIZER_STATE, path, detail);
    }
}
