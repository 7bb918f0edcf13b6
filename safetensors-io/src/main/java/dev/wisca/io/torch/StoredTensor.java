package dev.wisca.io.torch;

import dev.wisca.io.Dtype;
import java.util.Arrays;
import java.util.Optional;

/**
 * A tensor inside a torch.save archive, as its pickle describes it: a view ({@code offset}, {@code shape},
 * {@code stride}, in elements) of the storage stored as the zip entry {@code <archive>/data/<storageKey>}.
 *
 * @param storageKey      the storage's name in the archive
 * @param storageType     torch's storage class, e.g. {@code FloatStorage}
 * @param dtype           its element type, empty for one wisca has no codec for
 * @param storageElements the storage's length in elements
 * @param offset          the view's first element in the storage
 * @param shape           the view's size
 * @param stride          the view's strides
 */
public record StoredTensor(String storageKey, String storageType, Optional<Dtype> dtype, long storageElements, long offset,
                           long[] shape, long[] stride) {
    public StoredTensor {
        shape = shape.clone();
        stride = stride.clone();
    }

    @Override
    public long[] shape() { return shape.clone(); }

    @Override
    public long[] stride() { return stride.clone(); }

    public long elementCount() {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    /** The view is its whole storage, row-major without gaps: its bytes are the entry's bytes. */
    public boolean isWholeStorage() {
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) return false;
            expected *= shape[i];
        }
        return offset == 0 && storageElements == elementCount();
    }

    @Override
    public String toString() {
        return storageType + Arrays.toString(shape) + " at data/" + storageKey;
    }
}
