package dev.wisca.rescale.pattern;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.Tensor;
import dev.wisca.io.WiscaException;
import dev.wisca.io.codec.Codecs;
import dev.wisca.io.codec.ElementCodec;
import dev.wisca.rescale.Progress;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * One read-only pass over many tensors. Every tensor is cut into chunks of about
 * {@link #CHUNK_ELEMENTS} elements (whole rows when row or column sums are wanted); chunks of all
 * tensors run in parallel, each decoding its elements through the dtype's codec into a small
 * buffer, and their partial sums are merged per tensor afterwards. Memory is independent of tensor
 * size but for the requested row and column sums.
 */
final class TensorScan {
    static final long CHUNK_ELEMENTS = 1L << 20;
    private static final int BUFFER = 4096;

    private record Chunk(int request, long fromElement, long toElement) {}

    private record Partial(Chunk chunk, double l1, double sumSquares, double maxAbs, long nan, long inf,
                           AxisSums rows, AxisSums cols) {}

    private TensorScan() {}

    /** Results in {@code requests} order. */
    static List<ScanResult> run(List<ScanRequest> requests, int parallelism) {
        return run(requests, parallelism, CHUNK_ELEMENTS, Progress.NONE);
    }

    /**
     * As {@link #run(List, int)} with chunks of about {@code chunkElements} (tests use tiny chunks),
     * reporting a {@code stats} phase: the bytes of every chunk read, a tensor when its last chunk is done.
     */
    static List<ScanResult> run(List<ScanRequest> requests, int parallelism, long chunkElements, Progress progress) {
        List<Chunk> chunks = new ArrayList<>();
        for (int r = 0; r < requests.size(); r++) chunks.addAll(chunksOf(r, requests.get(r), chunkElements));
        AtomicIntegerArray chunksLeft = new AtomicIntegerArray(requests.size());
        long totalBytes = 0;
        for (Chunk c : chunks) {
            chunksLeft.incrementAndGet(c.request());
            totalBytes += bytes(c, requests.get(c.request()).tensor());
        }
        int measured = (int) chunks.stream().mapToInt(Chunk::request).distinct().count();
        List<Partial> partials;
        progress.start("stats", totalBytes, measured);
        try (ForkJoinPool pool = new ForkJoinPool(Math.max(1, parallelism))) {
            partials = pool.submit(() -> chunks.parallelStream().map(c -> {
                Partial p = scan(c, requests.get(c.request()));
                progress.advance(bytes(c, requests.get(c.request()).tensor()), chunksLeft.decrementAndGet(c.request()) == 0 ? 1 : 0);
                return p;
            }).toList()).join();
        } finally {
            progress.finish();
        }
        return merge(requests, partials);
    }

    /** The stored bytes of a chunk's elements (exact in total over a tensor's chunks, also for packed dtypes). */
    private static long bytes(Chunk c, Tensor t) {
        return byteOffset(c.toElement(), t) - byteOffset(c.fromElement(), t);
    }

    private static long byteOffset(long element, Tensor t) {
        long n = t.elementCount();
        return element >= n ? t.info().byteLength() : (long) ((double) t.info().byteLength() * element / n);
    }

    private static List<Chunk> chunksOf(int index, ScanRequest request, long chunkElements) {
        Tensor t = request.tensor();
        if (!Codecs.hasCodec(t.dtype())) return List.of();
        long n = t.elementCount();
        long step = chunkElements;
        if (request.wantsAxes()) {
            long cols = columns(t);
            axisLength(t, cols);
            step = Math.max(1, chunkElements / Math.max(cols, 1)) * Math.max(cols, 1);
        }
        List<Chunk> out = new ArrayList<>();
        for (long from = 0; from < n; from += step) out.add(new Chunk(index, from, Math.min(n, from + step)));
        if (out.isEmpty()) out.add(new Chunk(index, 0, 0));
        return out;
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

    private static Partial scan(Chunk c, ScanRequest request) {
        Tensor t = request.tensor();
        ElementCodec codec = Codecs.of(t.dtype());
        long cols = request.wantsAxes() ? t.shape()[1] : 0;
        long firstRow = cols == 0 ? 0 : c.fromElement() / cols;
        AxisSums rows = request.rows() ? AxisSums.zeros(cols == 0 ? 0 : (int) ((c.toElement() - c.fromElement()) / cols)) : null;
        AxisSums colSums = request.cols() ? AxisSums.zeros((int) cols) : null;
        double[] buffer = new double[BUFFER];
        double l1 = 0, sumSquares = 0, maxAbs = 0;
        long nan = 0, inf = 0;
        for (long e = c.fromElement(); e < c.toElement(); ) {
            long runEnd = cols == 0 ? c.toElement() : Math.min(c.toElement(), (e / cols + 1) * cols);
            int count = (int) Math.min(BUFFER, runEnd - e);
            codec.decode(t.data(), e, buffer, 0, count);
            int col0 = cols == 0 ? 0 : (int) (e % cols);
            double runL1 = 0, runSquares = 0;
            for (int i = 0; i < count; i++) {
                double x = buffer[i];
                double a = Math.abs(x);
                runL1 += a;
                runSquares += x * x;
                maxAbs = Math.max(maxAbs, a);
                if (x != x) nan++;
                else if (a == Double.POSITIVE_INFINITY) inf++;
                if (colSums != null) {
                    colSums.l1()[col0 + i] += a;
                    colSums.sumSquares()[col0 + i] += x * x;
                }
            }
            l1 += runL1;
            sumSquares += runSquares;
            if (rows != null) {
                int row = (int) (e / cols - firstRow);
                rows.l1()[row] += runL1;
                rows.sumSquares()[row] += runSquares;
            }
            e += count;
        }
        return new Partial(c, l1, sumSquares, maxAbs, nan, inf, rows, colSums);
    }

    private static List<ScanResult> merge(List<ScanRequest> requests, List<Partial> partials) {
        int n = requests.size();
        double[] l1 = new double[n], squares = new double[n], max = new double[n];
        long[] nan = new long[n], inf = new long[n];
        boolean[] seen = new boolean[n];
        AxisSums[] rows = new AxisSums[n], cols = new AxisSums[n];
        for (int r = 0; r < n; r++) {
            Tensor t = requests.get(r).tensor();
            if (!Codecs.hasCodec(t.dtype())) continue;
            if (requests.get(r).rows()) rows[r] = AxisSums.zeros((int) t.shape()[0]);
            if (requests.get(r).cols()) cols[r] = AxisSums.zeros((int) t.shape()[1]);
        }
        for (Partial p : partials) {
            int r = p.chunk().request();
            seen[r] = true;
            l1[r] += p.l1();
            squares[r] += p.sumSquares();
            max[r] = Math.max(max[r], p.maxAbs());
            nan[r] += p.nan();
            inf[r] += p.inf();
            if (p.rows() != null && p.rows().l1().length > 0) rows[r].addAt((int) (p.chunk().fromElement() / requests.get(r).tensor().shape()[1]), p.rows());
            if (p.cols() != null) cols[r].addAt(0, p.cols());
        }
        List<ScanResult> out = new ArrayList<>(n);
        for (int r = 0; r < n; r++) {
            out.add(seen[r] ? new ScanResult(new ValueStats(l1[r], Math.sqrt(squares[r]), max[r], nan[r], inf[r]), rows[r], cols[r])
                : ScanResult.UNMEASURED);
        }
        return out;
    }
}
