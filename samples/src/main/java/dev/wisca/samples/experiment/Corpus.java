package dev.wisca.samples.experiment;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Byte-level text for next-byte prediction, split into a training part (the first 90 %) and a
 * held-out validation part (the last 10 %) of each source file, so both see every file's style.
 * Training windows are drawn from a seeded generator: the same seed gives every arm the same data
 * order. Validation windows are fixed and spread evenly over the validation part.
 */
public final class Corpus {
    private final String name;
    private final byte[] train;
    private final byte[] validation;

    private Corpus(String name, byte[] train, byte[] validation) {
        this.name = name;
        this.train = train;
        this.validation = validation;
    }

    /** Reads {@code files} (skipping absent ones); throws if fewer than {@code minBytes} bytes are found. */
    public static Corpus read(String name, List<Path> files, long minBytes) {
        ByteArrayOutputStream train = new ByteArrayOutputStream(), validation = new ByteArrayOutputStream();
        for (Path f : files) {
            if (!Files.isRegularFile(f)) continue;
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(f);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            int cut = (int) (bytes.length * 0.9);
            train.write(bytes, 0, cut);
            validation.write(bytes, cut, bytes.length - cut);
        }
        if (train.size() + validation.size() < minBytes) {
            throw new WiscaException(ErrorKind.IO, null, null, "corpus '" + name + "': found " + (train.size() + validation.size())
                + " bytes in " + files.size() + " files, need " + minBytes + " (run bin/experiment, which installs the Debian package 'fortunes')");
        }
        return new Corpus(name, train.toByteArray(), validation.toByteArray());
    }

    public String name() { return name; }

    public long trainBytes() { return train.length; }

    public long validationBytes() { return validation.length; }

    /** A batch of random training windows of {@code length + 1} bytes: inputs are [0, length), targets [1, length]. */
    public int[][] trainWindows(Random random, int batch, int length) {
        int[][] out = new int[batch][];
        for (int i = 0; i < batch; i++) out[i] = window(train, random.nextInt(train.length - length - 1), length);
        return out;
    }

    /** {@code count} fixed validation windows spread evenly over the whole validation part (every file's tail). */
    public int[][] validationWindows(int count, int length) {
        int[][] out = new int[count][];
        long span = validation.length - length - 1;
        for (int i = 0; i < count; i++) out[i] = window(validation, (int) (span * i / count), length);
        return out;
    }

    private static int[] window(byte[] bytes, int start, int length) {
        int[] w = new int[length + 1];
        for (int j = 0; j <= length; j++) w[j] = bytes[start + j] & 0xff;
        return w;
    }
}
