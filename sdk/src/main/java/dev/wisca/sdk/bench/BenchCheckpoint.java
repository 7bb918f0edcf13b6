package dev.wisca.sdk.bench;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.TensorSpec;
import dev.wisca.io.WiscaException;
import dev.wisca.io.codec.Codecs;
import dev.wisca.io.codec.ElementCodec;
import dev.wisca.io.hf.CheckpointWriter;
import dev.wisca.rescale.Progress;
import dev.wisca.rescale.spec.SpecReader;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * Writes a random llama-shaped checkpoint (config.json + safetensors shards) through the streaming
 * writer: values are produced chunk by chunk, so memory stays bounded whatever the size. Each
 * weight has its own magnitude (0.02·2^u, u uniform in [-1.5, 1.5]) so pairs are out of balance and
 * the solver has real work; norm gains lie in [0.5, 1.5). The same seed gives the same bytes.
 */
public final class BenchCheckpoint {
    private static final int BLOCK = 1 << 16;

    private BenchCheckpoint() {}

    /** Writes {@code shape} into {@code dir}; {@code progress} hears phase {@code generate}. */
    public static Path write(LlamaShape shape, Path dir, long maxShardBytes, long seed, Progress progress) {
        List<LlamaShape.Member> members = shape.tensors();
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < members.size(); i++) index.put(members.get(i).spec().name(), i);
        writeConfig(shape, dir);
        ElementCodec codec = Codecs.of(shape.dtype());
        List<TensorSpec> specs = members.stream().map(LlamaShape.Member::spec).toList();
        progress.start("generate", shape.byteSize(), specs.size());
        try {
            CheckpointWriter.plan(dir, "model", specs, maxShardBytes, Map.of("format", "pt")).write((spec, writer) -> {
                int i = index.get(spec.name());
                boolean normGain = members.get(i).normGain();
                double magnitude = 0.02 * Math.pow(2, new Random(seed * 31 + i).nextDouble() * 3 - 1.5);
                writer.write(spec.name(), (chunk, offset) -> {
                    fill(chunk, codec, normGain, magnitude, seed ^ (i * 0x9E3779B97F4A7C15L) ^ offset);
                    progress.advance(chunk.byteSize(), 0);
                });
                progress.advance(0, 1);
            });
        } finally {
            progress.finish();
        }
        return dir;
    }

    /** Fills one chunk: weights are a triangular distribution (sum of two uniforms) of the given magnitude. */
    static void fill(MemorySegment chunk, ElementCodec codec, boolean normGain, double magnitude, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[BLOCK];
        long count = chunk.byteSize() / codec.dtype().byteSize();
        for (long done = 0; done < count; done += BLOCK) {
            int n = (int) Math.min(BLOCK, count - done);
            for (int k = 0; k < n; k++) {
                long bits = random.nextLong();
                float u1 = (bits >>> 40) * 0x1.0p-24f;
                float u2 = ((bits >>> 16) & 0xFFFFFF) * 0x1.0p-24f;
                values[k] = normGain ? 0.5f + u1 : (float) ((u1 + u2 - 1f) * magnitude * 2.45);
            }
            codec.encode(values, n, chunk, done);
        }
    }

    private static void writeConfig(LlamaShape shape, Path dir) {
        Path file = dir.resolve("config.json");
        try {
            Files.createDirectories(dir);
            Files.writeString(file, SpecReader.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(shape.config()) + "\n");
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, file, null, "cannot write: " + e.getMessage(), e);
        }
    }
}
