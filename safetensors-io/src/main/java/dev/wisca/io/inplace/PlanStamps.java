package dev.wisca.io.inplace;

import dev.wisca.io.FileChannels;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.SafetensorsFile;
import dev.wisca.io.WiscaException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * A shard's provenance stamp ({@code wisca.plan}) where an in-place rewrite could not put it into the
 * header (no room: files not written by wisca): a side file {@code .<shard>.wisca-stamp.json} holding
 * the stamp, the shard's size and a CRC32C of 64 samples of its data taken after the rewrite. A side
 * stamp whose shard no longer matches (rewritten by a trainer since) is stale and ignored; a valid one
 * takes precedence over the header's (the header may carry an older stamp it had no room to replace).
 */
public final class PlanStamps {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int SAMPLES = 64;
    private static final int SAMPLE_BYTES = 4096;

    private PlanStamps() {}

    /** The stamp {@code key} of {@code shard}: its valid side stamp, else its header's. */
    public static Optional<String> read(SafetensorsFile shard, String key) {
        Path side = InPlaceNames.stamp(shard.path());
        String text;
        try {
            text = Files.readString(side);
        } catch (NoSuchFileException e) {
            return Optional.ofNullable(shard.metadata().get(key));
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, side, null, "cannot read the side stamp: " + e, e);
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(text);
        } catch (IOException e) {
            throw WiscaException.of(ErrorKind.PLAN_MISMATCH, side, "the side stamp is not JSON (" + e.getMessage() + "); remove it if it is not wisca's");
        }
        if (node == null || !node.path(key).isTextual()) {
            throw WiscaException.of(ErrorKind.PLAN_MISMATCH, side, "the side stamp holds no " + key + "; remove it if it is not wisca's");
        }
        boolean current = node.path("file_size").asLong(-1) == shard.fileSize()
            && node.path("sample_crc32c").asLong(-1) == sample(shard.path(), shard.header().dataStart());
        return current ? Optional.of(node.path(key).asText()) : Optional.ofNullable(shard.metadata().get(key));
    }

    /** The side stamp text for {@code shard} as it is on disk now (call after its data is rewritten). */
    public static String sideText(Path shard, long dataStart, String key, String stamp) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put(key, stamp);
        try {
            node.put("file_size", Files.size(shard));
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, shard, null, "cannot read its size: " + e, e);
        }
        node.put("sample_crc32c", sample(shard, dataStart));
        return node.toPrettyString();
    }

    /** CRC32C of {@value #SAMPLES} evenly spaced {@value #SAMPLE_BYTES}-byte samples of the data region. */
    static long sample(Path shard, long dataStart) {
        CRC32C crc = new CRC32C();
        try (FileChannel ch = FileChannel.open(shard, StandardOpenOption.READ)) {
            long size = ch.size();
            long span = Math.max(0, size - dataStart);
            ByteBuffer buffer = ByteBuffer.allocate(SAMPLE_BYTES);
            for (int i = 0; i < SAMPLES; i++) {
                long at = dataStart + span * i / SAMPLES;
                buffer.clear().limit((int) Math.min(SAMPLE_BYTES, size - at));
                FileChannels.readFully(ch, buffer, at);     // a shorter file: its sum covers what there is
                crc.update(buffer.flip());
            }
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, shard, null, "cannot read: " + e, e);
        }
        return crc.getValue();
    }
}
