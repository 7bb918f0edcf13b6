package dev.wisca.io;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A header rewritten in place with one {@code __metadata__} entry set: the same tensors and offsets,
 * written as {@link HeaderWriter} writes them, padded with spaces (which the format allows after the
 * JSON) to exactly the old length N, so no tensor byte moves. Empty when the new JSON needs more than
 * N bytes. Writers that expect in-place stamping later reserve room with {@link #RESERVE_BYTES}.
 */
public final class HeaderStamp {
    /** Spaces a stamping writer leaves after the header JSON (rounded up to keep 8-byte alignment). */
    public static final int RESERVE_BYTES = 256;

    private HeaderStamp() {}

    /** The N header bytes of {@code header} with {@code key} set to {@code value}, or empty when they do not fit. */
    public static Optional<byte[]> withEntry(Header header, String key, String value) {
        Map<String, String> metadata = new LinkedHashMap<>(header.metadata());
        metadata.put(key, value);
        byte[] json = HeaderWriter.write(metadata, header.tensors()).getBytes(StandardCharsets.UTF_8);
        if (json.length > header.headerLength()) return Optional.empty();
        byte[] padded = Arrays.copyOf(json, Math.toIntExact(header.headerLength()));
        Arrays.fill(padded, json.length, padded.length, (byte) ' ');
        return Optional.of(padded);
    }
}
