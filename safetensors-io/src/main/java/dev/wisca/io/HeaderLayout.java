package dev.wisca.io;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Arrays;

/**
 * Where every byte of a safetensors file goes, decided before any tensor data exists: the reference
 * order (dtype descending in {@link Dtype} order, then name), the offsets, and the padded header.
 *
 * @param header    the header a reader will see; {@code headerLength} is the padded N
 * @param fileOrder the specs in the order their bytes follow each other in the file
 */
public record HeaderLayout(Header header, List<TensorSpec> fileOrder, byte[] headerBytes) {
    /** The reference limit on N; readers refuse larger headers. */
    public static final long MAX_HEADER_LENGTH = 100_000_000L;

    private static final Comparator<TensorSpec> FILE_ORDER =
        Comparator.comparing(TensorSpec::dtype, Comparator.reverseOrder())
            .thenComparing(TensorSpec::name, CodePointOrder.COMPARATOR);

    public HeaderLayout {
        fileOrder = List.copyOf(fileOrder);
        headerBytes = headerBytes.clone();
    }

    /** The padded JSON header (N bytes), without the 8-byte length prefix. */
    @Override
    public byte[] headerBytes() { return headerBytes.clone(); }

    /** Size of the whole file: 8 + N + tensor bytes. */
    public long fileSize() { return header.dataStart() + header.dataLength(); }

    /**
     * Lays out {@code specs} with {@code metadata} as {@code __metadata__} (omitted when empty, as the
     * reference does for {@code None}). {@code target} only names the file in errors.
     */
    public static HeaderLayout plan(List<TensorSpec> specs, Map<String, String> metadata, Path target) {
        return plan(specs, metadata, target, 0);
    }

    /**
     * As {@link #plan(List, Map, Path)}, leaving at least {@code reserveBytes} spaces after the JSON so
     * that an in-place rewrite can later change the metadata without moving a tensor byte.
     */
    public static HeaderLayout plan(List<TensorSpec> specs, Map<String, String> metadata, Path target, int reserveBytes) {
        checkNames(specs, metadata, target);
        List<TensorSpec> ordered = new ArrayList<>(specs);
        ordered.sort(FILE_ORDER);
        List<TensorInfo> infos = new ArrayList<>(ordered.size());
        long offset = 0;
        for (TensorSpec spec : ordered) {
            long end;
            try {
                end = Math.addExact(offset, byteLength(spec, target));
            } catch (ArithmeticException overflow) {
                throw new WiscaException(ErrorKind.VALIDATION_OVERFLOW, target, spec.name(), "tensor bytes overflow a 64-bit offset");
            }
            infos.add(new TensorInfo(spec.name(), spec.dtype(), spec.shape(), offset, end));
            offset = end;
        }
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        byte[] json = HeaderWriter.write(meta, infos).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + reserveBytes + 7) & ~7;
        if (padded > MAX_HEADER_LENGTH) {
            throw WiscaException.of(ErrorKind.HEADER_TOO_LARGE, target,
                "the header would take " + padded + " bytes; readers accept at most " + MAX_HEADER_LENGTH);
        }
        byte[] bytes = new byte[padded];
        System.arraycopy(json, 0, bytes, 0, json.length);
        Arrays.fill(bytes, json.length, padded, (byte) ' ');
        return new HeaderLayout(new Header(padded, meta, infos), ordered, bytes);
    }

    private static long byteLength(TensorSpec spec, Path target) {
        for (long d : spec.shape()) {
            if (d < 0) {
                throw new WiscaException(ErrorKind.INVALID_ARGUMENT, target, spec.name(), "negative dimension " + d);
            }
        }
        try {
            return spec.byteLength();
        } catch (ArithmeticException overflow) {
            throw new WiscaException(ErrorKind.VALIDATION_OVERFLOW, target, spec.name(), "shape product or byte size overflows 64 bits");
        } catch (IllegalArgumentException partialByte) {
            throw new WiscaException(ErrorKind.MISALIGNED_SLICE, target, spec.name(),
                spec.elementCount() + " elements of " + spec.dtype() + " do not fill whole bytes");
        }
    }

    private static void checkNames(List<TensorSpec> specs, Map<String, String> metadata, Path target) {
        Set<String> seen = new HashSet<>();
        for (TensorSpec spec : specs) {
            if (spec.name().equals("__metadata__")) {
                throw new WiscaException(ErrorKind.INVALID_ARGUMENT, target, spec.name(), "'__metadata__' is reserved and cannot name a tensor");
            }
            checkWellFormed(spec.name(), target);
            if (!seen.add(spec.name())) {
                throw new WiscaException(ErrorKind.DUPLICATE_TENSOR, target, spec.name(), "the tensor is listed twice");
            }
        }
        metadata.forEach((k, v) -> {
            checkWellFormed(k, target);
            checkWellFormed(v, target);
        });
    }

    /** Unpaired surrogates have no UTF-8 encoding: the JSON would silently change the name. */
    private static void checkWellFormed(String s, Path target) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw WiscaException.of(ErrorKind.INVALID_ARGUMENT, target,
                    "'" + s.replace(c, '?') + "' contains an unpaired UTF-16 surrogate at index " + i);
            }
        }
    }
}
