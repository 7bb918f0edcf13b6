package dev.wisca.rescale.pattern;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.Tensor;
import dev.wisca.io.TensorSource;
import dev.wisca.io.WiscaException;
import dev.wisca.io.codec.Codecs;
import dev.wisca.io.codec.ElementCodec;
import dev.wisca.rescale.Progress;
import dev.wisca.rescale.pass.BlockPass;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The pattern statistics' reduction on {@link BlockPass}, the pass engine the planning statistics
 * use too: every tensor is cut into chunks of about {@link BlockPass#BLOCK_ELEMENTS} elements (whole
 * rows when row or column sums are wanted; only dtypes with a codec, of 8 bits or more), each chunk's elements are decoded through the dtype's codec into a small
 * buffer, and the chunks' partial sums are merged per tensor. Memory is independent of tensor size
 * but for the requested row and column sums.
 */
final class TensorScan {
    private static final int BUFFER = 4096;

    /** Elements {@code [fromElement, toElement)} of request {@code request}, stored in the given bytes. */
    private record Chunk(int request, String tensor, long fromElement, long toElement, long byteOffset, long byteLength)
        implements BlockPass.Block {}

    /** What a run of consecutive chunks of one tensor found; row sums in chunk order, column sums added up. */
    private static final class Partial {
        double l1, sumSquares, maxAbs;
        long nan, inf;
        final List<AxisSums> rows = new ArrayList<>();
        AxisSums cols;

        /** {@code next}'s chunks follow this one's. */
        Partial append(Partial next) {
            l1 += next.l1;
            sumSquares += next.sumSquares;
            maxAbs = Math.max(maxAbs, next.maxAbs);
            nan += next.nan;
            inf += next.inf;
            rows.addAll(next.rows);
            if (cols == null) cols = next.cols;
            else if (next.cols != null) cols.addAt(0, next.cols);
            return this;
        }
    }

    private TensorScan() {}

    /**
     * Results in {@code requests} order, chunks of about {@code chunkElements} (tests use tiny chunks),
     * reporting a {@code stats} phase: the bytes of every chunk read, a tensor when its last chunk is done.
     */
    static List<ScanResult> run(TensorSource source, List<ScanRequest> requests, int parallelism, long chunkElements,
                                Progress progress) {
        List<Chunk> chunks = new ArrayList<>();
        for (int r = 0; r < requests.size(); r++) chunks.addAll(chunksOf(r, requests.get(r), chunkElements));
        Map<Integer, Partial> partials = BlockPass.run(source, chunks, parallelism, "stats", progress,
            (c, bytes) -> new TreeMap<>(Map.of(c.request(), scan(c, bytes, requests.get(c.request())))),
            (left, right) -> {
                right.forEach((r, p) -> left.merge(r, p, Partial::append));
                return left;
            }).orElse(new TreeMap<>());
        List<ScanResult> out = new ArrayList<>(requests.size());
        for (int r = 0; r < requests.size(); r++) {
            Partial p = partials.get(r);
            out.add(p == null ? ScanResult.UNMEASURED : new ScanResult(
                new ValueStats(p.l1, Math.sqrt(p.sumSquares), p.maxAbs, p.nan, p.inf),
                requests.get(r).rows() ? concat(p.rows) : null, p.cols));
        }
        return out;
    }

    private static List<Chunk> chunksOf(int index, ScanRequest request, long chunkElements) {
        Tensor t = request.tensor();
        if (!Codecs.hasCodec(t.dtype())) return List.of();
        long n = t.elementCount();
        long step = chunkElements;
        if (request.wantsAxes()) {
            long cols = columns(t);
            axisLength(t, cols);
            step = BlockPass.rowsPerBlock(cols, chunkElements) * Math.max(cols, 1);
        }
        List<Chunk> out = new ArrayList<>();
        for (long from = 0; from < n; from += step) out.add(chunk(index, t, from, Math.min(n, from + step)));
        if (out.isEmpty()) out.add(chunk(index, t, 0, 0));
        return out;
    }

    private static Chunk chunk(int request, Tensor t, long from, long to) {
        int size = t.dtype().byteSize();
        return new Chunk(request, t.name(), from, to, from * size, (to - from) * size);
    }

    private static long columns(Tensor t) {
        if (t.shape().length != 2) {
            throw new WiscaException(ErrorKind.INVALID_ARGUMENT, t.file(), t.name(), "per-head statistics need a 2-D tensor, found rank " + t.shape().length);
        }
        return t.shape()[1];
    }

    private static void axisLength(Tensor t, long cols) {
        if (t.shape()[0] > Integer.MAX_VALUE || cols > Integer.MAX_VALUE) {
            throw new WiscaException(ErrorKind.INVALID_ARGUMENT, t.file(), t.name(), "an axis longer than 2^31 cannot hold per-head statistics");
        }
    }

    /** One chunk's sums; {@code bytes} holds its elements from element {@code c.fromElement()} on. */
    private static Partial scan(Chunk c, MemorySegment bytes, ScanRequest request) {
        Tensor t = request.tensor();
        ElementCodec codec = Codecs.of(t.dtype());
        long cols = request.wantsAxes() ? t.shape()[1] : 0;
        long firstRow = cols == 0 ? 0 : c.fromElement() / cols;
        AxisSums rows = request.rows() ? AxisSums.zeros(cols == 0 ? 0 : (int) ((c.toElement() - c.fromElement()) / cols)) : null;
        AxisSums colSums = request.cols() ? AxisSums.zeros((int) cols) : null;
        double[] buffer = new double[BUFFER];
        Partial p = new Partial();
        double maxAbs = 0;
        for (long e = c.fromElement(); e < c.toElement(); ) {
            long runEnd = cols == 0 ? c.toElement() : Math.min(c.toElement(), (e / cols + 1) * cols);
            int count = (int) Math.min(BUFFER, runEnd - e);
            codec.decode(bytes, e - c.fromElement(), buffer, 0, count);
            int col0 = cols == 0 ? 0 : (int) (e % cols);
            double runL1 = 0, runSquares = 0;
            for (int i = 0; i < count; i++) {
                double x = buffer[i];
                double a = Math.abs(x);
                runL1 += a;
                runSquares += x * x;
                maxAbs = Math.max(maxAbs, a);
                if (x != x) p.nan++;
                else if (a == Double.POSITIVE_INFINITY) p.inf++;
                if (colSums != null) {
                    colSums.l1()[col0 + i] += a;
                    colSums.sumSquares()[col0 + i] += x * x;
                }
            }
            p.l1 += runL1;
            p.sumSquares += runSquares;
            if (rows != null) {
                int row = (int) (e / cols - firstRow);
                rows.l1()[row] += runL1;
                rows.sumSquares()[row] += runSquares;
            }
            e += count;
        }
        p.maxAbs = maxAbs;
        if (rows != null) p.rows.add(rows);
        p.cols = colSums;
        return p;
    }

    private static AxisSums concat(List<AxisSums> parts) {
        AxisSums out = AxisSums.zeros(parts.stream().mapToInt(a -> a.l1().length).sum());
        int at = 0;
        for (AxisSums part : parts) {
            out.addAt(at, part);
            at += part.l1().length;
        }
        return out;
    }
}
