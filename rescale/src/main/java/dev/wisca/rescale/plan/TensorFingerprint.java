package dev.wisca.rescale.plan;

import dev.wisca.io.Dtype;
import dev.wisca.io.Tensor;
import dev.wisca.io.TensorSource;
import java.lang.foreign.MemorySegment;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * What a plan expects of one tensor of the checkpoint it was made for: dtype, shape and a content
 * digest, so a plan is not applied to another checkpoint of the same architecture (another fine-tune,
 * the already rescaled output). The digest is SHA-256 over the byte length and {@link #WINDOWS} evenly
 * spaced windows of {@link #WINDOW_BYTES} (every byte of a small tensor), first 16 hex digits: a few
 * KiB read per tensor, and two trained checkpoints differ in every window.
 *
 * @param digest content digest, or null where the plan does not know it (in-memory plans of the training hooks)
 */
public record TensorFingerprint(String tensor, Dtype dtype, long[] shape, String digest) {
    static final int WINDOWS = 64;
    static final int WINDOW_BYTES = 1024;

    public TensorFingerprint {
        shape = shape.clone();
    }

    /**
     * The content digest of tensor {@code t} of {@code source}, its windows read with positional reads
     * ({@link TensorSource#read}), not through the mapping: touching a mapped window has the kernel map the
     * page-cache folios around it into this process, and the windows of a 4 GB checkpoint's q/k/v/o had
     * 0.9 GB of its pages resident in a rescale that reads them nowhere else through the mapping.
     */
    public static String digest(TensorSource source, Tensor t) {
        MessageDigest sha = sha256();
        long size = t.data().byteSize();
        sha.update(longBytes(size));
        if (size <= (long) WINDOWS * WINDOW_BYTES) {
            sha.update(read(source, t, 0, (int) size));
        } else {
            long stride = (size - WINDOW_BYTES) / (WINDOWS - 1);
            for (int w = 0; w < WINDOWS; w++) sha.update(read(source, t, w * stride, WINDOW_BYTES));
        }
        return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
    }

    private static byte[] read(TensorSource source, Tensor t, long offset, int length) {
        byte[] bytes = new byte[length];
        source.read(t.name(), offset, MemorySegment.ofArray(bytes));
        return bytes;
    }

    @Override
    public long[] shape() { return shape.clone(); }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorFingerprint f && tensor.equals(f.tensor) && dtype == f.dtype && Arrays.equals(shape, f.shape)
            && Objects.equals(digest, f.digest);
    }

    @Override
    public int hashCode() { return tensor.hashCode() * 31 + Arrays.hashCode(shape); }

    private static byte[] longBytes(long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) b[i] = (byte) (v >>> (8 * i));
        return b;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is a required JDK algorithm", e);
        }
    }
}
