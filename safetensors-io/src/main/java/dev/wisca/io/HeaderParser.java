package dev.wisca.io;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Validates a safetensors header exactly as the reference implementation does, in its order and
 * with its error kinds: HeaderTooSmall, HeaderTooLarge, InvalidHeaderLength, InvalidHeader,
 * InvalidHeaderDeserialization, then, walking the tensors sorted by offsets, InvalidOffset,
 * ValidationOverflow, MisalignedSlice, TensorInvalidInfo, and finally MetadataIncompleteBuffer.
 * Shape dimensions and offsets are u64 in the reference; they are checked here with unsigned
 * arithmetic so that the same file fails with the same kind. Pure: reads only the bytes given.
 */
public final class HeaderParser {
    /** Largest header the reference accepts, in bytes. */
    public static final long MAX_HEADER_LENGTH = 100_000_000L;
    /** The little-endian u64 header length that opens every file. */
    public static final int LENGTH_FIELD_BYTES = 8;

    private HeaderParser() {}

    /** Parses a whole file held in memory. */
    public static Header parse(byte[] fileBytes, Path file) {
        return parse(MemorySegment.ofArray(fileBytes), fileBytes.length, file);
    }

    /** Parses a file of {@code fileLength} bytes whose first bytes are {@code fileStart}. */
    public static Header parse(byte[] fileStart, long fileLength, Path file) {
        return parse(MemorySegment.ofArray(fileStart), fileLength, file);
    }

    /**
     * Parses and validates the header of a file of {@code fileLength} bytes.
     *
     * @param fileStart the file's first bytes: at least {@code min(fileLength, 8 + N)} of them
     *                  (a mapping of the whole file is fine; only the header is read)
     * @throws WiscaException with the reference error kind, naming {@code file} and the tensor
     */
    public static Header parse(MemorySegment fileStart, long fileLength, Path file) {
        if (fileLength < LENGTH_FIELD_BYTES) {
            throw fail(ErrorKind.HEADER_TOO_SMALL, file, null, "the file has " + fileLength
                + " bytes; a safetensors file starts with an 8-byte header length");
        }
        requirePrefix(fileStart, LENGTH_FIELD_BYTES);
        long headerLength = lengthField(fileStart);
        if (headerLength < 0 || headerLength > MAX_HEADER_LENGTH) {
            if (LfsPointer.matches(fileStart)) throw LfsPointer.error(file, fileStart);
            throw fail(ErrorKind.HEADER_TOO_LARGE, file, null, "header length " + Long.toUnsignedString(headerLength)
                + " exceeds the limit of " + MAX_HEADER_LENGTH + " bytes (not a safetensors file?)");
        }
        long dataStart = LENGTH_FIELD_BYTES + headerLength;
        if (dataStart > fileLength) {
            throw fail(ErrorKind.INVALID_HEADER_LENGTH, file, null, "header length " + headerLength
                + " runs past the end of the " + fileLength + "-byte file (truncated?)");
        }
        requirePrefix(fileStart, dataStart);
        String json = decodeUtf8(fileStart.asSlice(LENGTH_FIELD_BYTES, headerLength), file);
        HeaderJson.Parsed parsed = HeaderJson.read(json, file);
        List<HeaderJson.Entry> sorted = sortByOffsets(parsed.entries());
        long dataEnd = walk(sorted, file);
        long dataAvailable = fileLength - dataStart;
        if (dataEnd != dataAvailable) {
            throw fail(ErrorKind.METADATA_INCOMPLETE_BUFFER, file, null, incompleteBuffer(dataEnd, dataAvailable));
        }
        return new Header(headerLength, parsed.metadata(), toInfos(sorted, file));
    }

    /**
     * The little-endian u64 at the start of {@code fileStart} (at least 8 bytes), as a long. Read through a
     * byte buffer, not a value layout: a layout's first access spins a dozen method-handle classes the AOT
     * cache cannot hold, ~10 ms of a 100-shard inspect.
     */
    public static long lengthField(MemorySegment fileStart) {
        return fileStart.asSlice(0, LENGTH_FIELD_BYTES).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    }

    private static void requirePrefix(MemorySegment fileStart, long needed) {
        if (fileStart.byteSize() < needed) {
            throw new IllegalArgumentException("fileStart holds " + fileStart.byteSize()
                + " bytes; the header needs the first " + needed + " bytes of the file");
        }
    }

    private static String decodeUtf8(MemorySegment header, Path file) {
        ByteBuffer bytes = header.asByteBuffer();
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            CharBuffer chars = decoder.decode(bytes);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw fail(ErrorKind.INVALID_HEADER, file, null, "the header is not valid UTF-8 (bad byte sequence at file offset "
                + (LENGTH_FIELD_BYTES + bytes.position()) + ")");
        }
    }

    /** Stable, so equal offsets (zero-size tensors) keep their JSON order. */
    private static List<HeaderJson.Entry> sortByOffsets(List<HeaderJson.Entry> entries) {
        List<HeaderJson.Entry> sorted = new ArrayList<>(entries);
        sorted.sort((a, b) -> {
            int byBegin = Long.compareUnsigned(a.begin(), b.begin());
            return byBegin != 0 ? byBegin : Long.compareUnsigned(a.end(), b.end());
        });
        return sorted;
    }

    /** The reference's per-tensor checks; returns the end of the last tensor (u64). */
    private static long walk(List<HeaderJson.Entry> sorted, Path file) {
        long start = 0;
        for (HeaderJson.Entry entry : sorted) {
            if (entry.begin() != start || Long.compareUnsigned(entry.end(), entry.begin()) < 0) {
                throw fail(ErrorKind.INVALID_OFFSET, file, entry.name(), "data_offsets " + offsets(entry)
                    + (entry.begin() != start ? " should begin at " + Long.toUnsignedString(start)
                        + ": tensors sorted by offset must tile the data buffer from 0 without gaps or overlaps"
                        : " end before they begin"));
            }
            start = entry.end();
            long elements = 1;
            for (long dim : entry.shape()) elements = multiplyU64(elements, dim, entry, file);
            long bits = multiplyU64(elements, entry.dtype().bits(), entry, file);
            if ((bits & 7) != 0) {
                throw fail(ErrorKind.MISALIGNED_SLICE, file, entry.name(), Long.toUnsignedString(elements) + " "
                    + entry.dtype() + " elements fill " + Long.toUnsignedString(bits) + " bits, not a whole number of bytes");
            }
            long bytes = bits >>> 3;
            if (entry.end() - entry.begin() != bytes) {
                throw fail(ErrorKind.TENSOR_INVALID_INFO, file, entry.name(), entry.dtype() + shape(entry)
                    + " needs " + Long.toUnsignedString(bytes) + " bytes but data_offsets " + offsets(entry)
                    + " span " + Long.toUnsignedString(entry.end() - entry.begin()));
            }
        }
        return start;
    }

    private static long multiplyU64(long a, long b, HeaderJson.Entry entry, Path file) {
        if (Math.unsignedMultiplyHigh(a, b) != 0) {
            throw fail(ErrorKind.VALIDATION_OVERFLOW, file, entry.name(), "size of " + entry.dtype() + shape(entry)
                + " overflows 64 bits");
        }
        return a * b;
    }

    private static String incompleteBuffer(long dataEnd, long dataAvailable) {
        String end = Long.toUnsignedString(dataEnd);
        if (Long.compareUnsigned(dataEnd, dataAvailable) > 0) {
            return "tensor data ends at byte " + end + " of the data buffer but only " + dataAvailable
                + " bytes follow the header (truncated file?)";
        }
        return (dataAvailable - dataEnd) + " bytes after the last tensor (data ends at " + end + " of " + dataAvailable
            + "); every byte after the header must belong to a tensor";
    }

    /** After the reference's checks: dimensions of zero-size tensors may still not fit a long. */
    private static List<TensorInfo> toInfos(List<HeaderJson.Entry> sorted, Path file) {
        List<TensorInfo> infos = new ArrayList<>(sorted.size());
        for (HeaderJson.Entry entry : sorted) {
            for (long dim : entry.shape()) {
                if (dim < 0) {
                    throw fail(ErrorKind.VALIDATION_OVERFLOW, file, entry.name(), "dimension "
                        + Long.toUnsignedString(dim) + " exceeds " + Long.MAX_VALUE + ", the largest wisca supports");
                }
            }
            infos.add(new TensorInfo(entry.name(), entry.dtype(), entry.shape(), entry.begin(), entry.end()));
        }
        return infos;
    }

    private static String shape(HeaderJson.Entry entry) {
        StringBuilder sb = new StringBuilder("[");
        long[] shape = entry.shape();
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(Long.toUnsignedString(shape[i]));
        }
        return sb.append(']').toString();
    }

    private static String offsets(HeaderJson.Entry entry) {
        return "[" + Long.toUnsignedString(entry.begin()) + ", " + Long.toUnsignedString(entry.end()) + "]";
    }

    static WiscaException fail(ErrorKind kind, Path file, String tensor, String detail) {
        return new WiscaException(kind, file, tensor, detail);
    }
}
