package dev.wisca.rescale.spec;

/**
 * Where logical index i (0 ≤ i < size) of a slice lives along its stored axis:
 * {@code start + (i / block) * stride + i % block}. The whole axis is {@code (0, n, n, n)}.
 */
public record IndexMap(long start, long size, long block, long stride) {
    public IndexMap {
        if (size < 0 || block <= 0 && size > 0 || stride < block || start < 0) {
            throw new IllegalArgumentException("bad slice start " + start + " size " + size + " block " + block + " stride " + stride);
        }
    }

    public static IndexMap whole(long n) { return new IndexMap(0, n, Math.max(n, 1), Math.max(n, 1)); }

    public long physical(long i) { return start + (i / block) * stride + i % block; }

    /** One past the largest stored index this slice touches. */
    public long extent() { return size == 0 ? start : physical(size - 1) + 1; }

    public boolean isWhole(long n) { return start == 0 && size == n && (block == n || stride == block); }
}
