package dev.wisca.rescale.backend.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.wisca.io.Dtype;
import dev.wisca.io.codec.Codecs;
import dev.wisca.rescale.backend.MatrixView;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Moves tiles between a tensor's bytes and f64 NDArrays. F32, F64 and F16 enter as views of the
 * tensor's bytes (zero-copy on the CPU device when the segment is native and element-aligned: DJL reads
 * a direct buffer's raw bytes, which are little-endian like the host) and are widened to f64 by PyTorch.
 * BF16 and the 8-bit and smaller floats are widened exactly to f32 on the host: DJL 0.36's JNI aborts
 * the JVM on a BFLOAT16 tensor. Results leave rounded once from f64: F32 by PyTorch's cast (round to
 * nearest even, like Java's), every narrower dtype by the host codecs, because PyTorch narrows f64 to
 * F16 through f32 and so rounds twice (1 + 2^-11 + 2^-30 becomes 1.0 instead of 1 + 2^-10).
 */
final class DjlArrays {
    private DjlArrays() {}

    /** The DJL type that reads this dtype's bytes as they are, or null if DJL has none. */
    static DataType storedType(Dtype dtype) {
        return switch (dtype) {
            case F64 -> DataType.FLOAT64;
            case F32 -> DataType.FLOAT32;
            case F16 -> DataType.FLOAT16;
            default -> null;
        };
    }

    /** The tile's elements as an f64 array of shape {@code [rowCount, colCount]}. */
    static NDArray load(NDManager manager, MatrixView view, Tile tile) {
        Dtype dtype = view.dtype();
        long first = tile.firstElement(view.cols());
        Shape shape = new Shape(tile.rowCount(), tile.colCount());
        DataType stored = storedType(dtype);
        if (stored == null) {
            float[] values = new float[Math.toIntExact(tile.elementCount())];
            Codecs.of(dtype).decode(view.data(), first, values, values.length);
            return manager.create(values, shape).toType(DataType.FLOAT64, false);
        }
        int elementBytes = dtype.byteSize();
        MemorySegment bytes = view.data().asSlice(first * elementBytes, tile.elementCount() * elementBytes);
        NDArray raw = manager.create(buffer(bytes, elementBytes), shape, stored);
        return raw.toType(DataType.FLOAT64, false);
    }

    /** A buffer DJL can wrap: the segment itself when native and aligned, else a heap copy (which DJL copies again). */
    private static ByteBuffer buffer(MemorySegment bytes, int elementBytes) {
        boolean wrappable = bytes.isNative() && bytes.address() % elementBytes == 0;
        ByteBuffer buffer = wrappable ? bytes.asByteBuffer() : ByteBuffer.wrap(bytes.toArray(ValueLayout.JAVA_BYTE));
        return buffer.order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Writes an f64 array, rounded once to {@code dtype}, into {@code dst} from element {@code dstIndex}. */
    static void store(NDArray values, Dtype dtype, MemorySegment dst, long dstIndex) {
        switch (dtype) {
            case F64 -> copyBytes(values, dst, dstIndex * Double.BYTES);
            case F32 -> copyBytes(values.toType(DataType.FLOAT32, false), dst, dstIndex * Float.BYTES);
            default -> {
                double[] host = values.toDoubleArray();
                Codecs.of(dtype).encode(host, host.length, dst, dstIndex);
            }
        }
    }

    private static void copyBytes(NDArray array, MemorySegment dst, long byteOffset) {
        ByteBuffer bytes = array.toByteBuffer(true);
        MemorySegment.copy(MemorySegment.ofBuffer(bytes), 0, dst, byteOffset, bytes.remaining());
    }
}
