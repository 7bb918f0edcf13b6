package dev.wisca.rescale.backend.djl;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.engine.StandardCapabilities;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.backend.AxisStats;
import dev.wisca.rescale.backend.Backend;
import dev.wisca.rescale.backend.MatrixView;
import dev.wisca.rescale.graph.Axis;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Statistics and scaling as PyTorch tensor operations through DJL, on the CPU or a GPU. Work is cut
 * into tiles of at most {@link #maxTileElements()} elements, each computed in f64 in its own
 * sub-manager, so device memory stays bounded whatever the tensor size. Every element is computed as
 * {@code ((w or 1 + w) · r) · c} in f64, as {@link dev.wisca.rescale.backend.cpu.ScalarBackend} does,
 * so scaled bytes equal the CPU backend's; statistics differ only in summation order.
 * Thread-safe: each call has its own managers.
 */
public final class DjlBackend implements Backend {
    /** 2^21 elements: 16 MiB per f64 temporary, a handful alive per tile. */
    public static final long DEFAULT_TILE_ELEMENTS = 1L << 21;
    static final String ENGINE = "PyTorch";
    /** DJL reads it when the engine starts: PyTorch's intra-op threads. */
    static final String INTRA_OP_THREADS = "ai.djl.pytorch.num_threads";
    static final String NO_GPU = "no GPU visible to DJL's PyTorch engine; this build bundles the CPU native library — see README";

    private final Engine engine;
    private final Device device;
    private final long maxTileElements;

    private DjlBackend(Engine engine, Device device, long maxTileElements) {
        if (maxTileElements < 1) throw new IllegalArgumentException("tile size must be >= 1 element");
        this.engine = engine;
        this.device = device;
        this.maxTileElements = maxTileElements;
    }

    /** PyTorch on the CPU. */
    public static DjlBackend cpu() {
        return new DjlBackend(engine(), Device.cpu(), DEFAULT_TILE_ELEMENTS);
    }

    /** PyTorch on the first GPU; INVALID_ARGUMENT when the engine sees none. */
    public static DjlBackend gpu() {
        Engine engine = engine();
        if (!gpuUsable(engine)) throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null, NO_GPU);
        return new DjlBackend(engine, Device.gpu(), DEFAULT_TILE_ELEMENTS);
    }

    /** PyTorch on the first GPU when one is visible, else on the CPU. */
    public static DjlBackend preferGpu() {
        Engine engine = engine();
        return new DjlBackend(engine, gpuUsable(engine) ? Device.gpu() : Device.cpu(), DEFAULT_TILE_ELEMENTS);
    }

    /** Whether DJL's PyTorch engine can compute on a GPU here (starts the engine). */
    public static boolean gpuAvailable() { return gpuUsable(engine()); }

    /** A GPU the driver reports is usable only by a CUDA build of the native library, not the bundled CPU one. */
    private static boolean gpuUsable(Engine engine) {
        return engine.hasCapability(StandardCapabilities.CUDA) && engine.getGpuCount() > 0;
    }

    /** The same backend with another tile size (smaller tiles bound device memory tighter). */
    public DjlBackend withMaxTileElements(long elements) { return new DjlBackend(engine, device, elements); }

    public Device device() { return device; }

    public long maxTileElements() { return maxTileElements; }

    @Override
    public String name() { return device.isGpu() ? "djl-gpu" + device.getDeviceId() : "djl-cpu"; }

    private static Engine engine() {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null,
                "the DJL backend needs a little-endian host (it hands tensor bytes to PyTorch as they are); use setting 'device' cpu");
        }
        // Callers already run one block per core; PyTorch's own OpenMP threads on top of that spin
        // against each other (measured 3-10x slower on a busy 2-core host). Only if this starts the engine.
        if (System.getProperty(INTRA_OP_THREADS) == null) System.setProperty(INTRA_OP_THREADS, "1");
        try {
            return Engine.getEngine(ENGINE);
        } catch (EngineException | IllegalArgumentException e) {
            throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null,
                "DJL's PyTorch engine did not start (" + e.getMessage() + "); use setting 'device' cpu", e);
        }
    }

    @Override
    public AxisStats stats(MatrixView m, long rowStart, long rowEnd, Axis axis,
                           double[] rowFactors, double[] colFactors, boolean offsetGain) {
        if (m.batches() != 1) throw new IllegalArgumentException("statistics take a single matrix, got " + m.batches());
        long cols = m.cols();
        AxisStats out = axis == Axis.ROWS
            ? AxisStats.zeros(rowStart, Math.toIntExact(rowEnd - rowStart), cols)
            : AxisStats.zeros(0, Math.toIntExact(cols), rowEnd - rowStart);
        int dim = axis == Axis.ROWS ? 1 : 0;
        try (NDManager call = engine.newBaseManager(device)) {
            for (Tile tile : Tile.ofRows(rowStart, rowEnd, cols, maxTileElements)) {
                try (NDManager scratch = call.newSubManager()) {
                    NDArray v = DjlArrays.load(scratch, m, tile);
                    if (offsetGain) v = v.add(1.0);
                    v = withFactors(scratch, v, tile, rowFactors, colFactors, 0);
                    NDArray a = v.abs();
                    NDArray reduced = NDArrays.stack(new NDList(
                        v.sum(new int[] {dim}), a.sum(new int[] {dim}), v.mul(v).sum(new int[] {dim}), a.max(new int[] {dim})));
                    long first = axis == Axis.ROWS ? tile.row() - rowStart : tile.col();
                    accumulate(out, Math.toIntExact(first), reduced.toDoubleArray());
                }
            }
        }
        return out;
    }

    /** Adds one tile's {@code [4, n]} reductions (Σv, Σ|v|, Σv², max|v|) into entries {@code first …} of {@code out}. */
    private static void accumulate(AxisStats out, int first, double[] reduced) {
        int n = reduced.length / 4;
        for (int k = 0; k < n; k++) {
            out.sum()[first + k] += reduced[k];
            out.absSum()[first + k] += reduced[n + k];
            out.sqSum()[first + k] += reduced[2 * n + k];
            out.absMax()[first + k] = Math.max(out.absMax()[first + k], reduced[3 * n + k]);
        }
    }

    @Override
    public void scale(MatrixView src, long first, long count, MemorySegment dst,
                      double[] rowFactors, double[] colFactors, boolean offsetGain) {
        long cols = src.cols();
        try (NDManager call = engine.newBaseManager(device)) {
            for (Tile tile : Tile.ofRange(first, count, cols, src.rows(), maxTileElements)) {
                try (NDManager scratch = call.newSubManager()) {
                    NDArray v = DjlArrays.load(scratch, src, tile);
                    if (offsetGain) v = v.add(1.0);
                    long colOffset = (tile.row() / src.rows()) * cols;
                    v = withFactors(scratch, v, tile, rowFactors, colFactors, colOffset);
                    if (offsetGain) v = v.sub(1.0);
                    DjlArrays.store(v, src.dtype(), dst, tile.firstElement(cols) - first);
                }
            }
        }
    }

    /** {@code (v · r) · c} with the tile's slices of the factors broadcast over columns and rows. */
    private static NDArray withFactors(NDManager manager, NDArray v, Tile tile,
                                       double[] rowFactors, double[] colFactors, long colOffset) {
        NDArray out = v;
        if (rowFactors != null) {
            int from = Math.toIntExact(tile.row());
            double[] r = Arrays.copyOfRange(rowFactors, from, Math.toIntExact(from + tile.rowCount()));
            out = out.mul(manager.create(r, new Shape(tile.rowCount(), 1)));
        }
        if (colFactors != null) {
            int from = Math.toIntExact(colOffset + tile.col());
            double[] c = Arrays.copyOfRange(colFactors, from, Math.toIntExact(from + tile.colCount()));
            out = out.mul(manager.create(c, new Shape(1, tile.colCount())));
        }
        return out;
    }
}
