package dev.wisca.rescale.stats;

import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.Tensor;
import dev.wisca.io.TensorSource;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.Progress;
import dev.wisca.rescale.backend.AxisStats;
import dev.wisca.rescale.backend.Backend;
import dev.wisca.rescale.backend.ElementAccess;
import dev.wisca.rescale.backend.MatrixView;
import dev.wisca.rescale.graph.Axis;
import dev.wisca.rescale.graph.Member;
import dev.wisca.rescale.graph.Site;
import dev.wisca.rescale.pass.BlockPass;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One read-only pass over a source gathering the statistics of every member of every site. Each
 * matrix (a tensor, or one batch of a 3-D tensor) is read once for all members on it, split into
 * row blocks that {@link BlockPass} reads and runs in parallel; each block's statistics come from the
 * {@link Backend} (one pass over the block for all members on the same axis), and the blocks' partial
 * statistics are merged per member.
 */
public final class StatsPass {
    private StatsPass() {}

    /** Where one member's statistics go. */
    private record Ref(int site, int member) {}

    /** The members reading one matrix. */
    private record MatrixKey(String tensor, int batch, boolean offsetGain) {}

    /** Rows {@code [rowStart, rowEnd)} of one matrix, whose row 0 lies {@code matrixByte} into the tensor. */
    private record Block(MatrixKey key, MatrixView matrix, long matrixByte, long rowStart, long rowEnd,
                         double[] rowFactors, double[] colFactors, List<Ref> refs) implements BlockPass.Block {
        long rowBytes() { return matrix.cols() * matrix.dtype().byteSize(); }

        @Override public String tensor() { return key.tensor(); }

        @Override public long byteOffset() { return matrixByte + rowStart * rowBytes(); }

        @Override public long byteLength() { return (rowEnd - rowStart) * rowBytes(); }
    }

    /** Statistics per site, in {@code sites} order. */
    public static List<SiteStats> collect(TensorSource source, List<Site> sites, FactorLookup priors,
                                          Backend backend, int parallelism) {
        return collect(source, sites, priors, backend, parallelism, "stats", Progress.NONE);
    }

    /** As above, reporting the bytes read and the tensors completed to {@code progress} as phase {@code phase}. */
    public static List<SiteStats> collect(TensorSource source, List<Site> sites, FactorLookup priors,
                                          Backend backend, int parallelism, String phase, Progress progress) {
        Map<MatrixKey, List<Ref>> byMatrix = new LinkedHashMap<>();
        for (int s = 0; s < sites.size(); s++) {
            List<Member> members = sites.get(s).members();
            for (int m = 0; m < members.size(); m++) {
                Member member = members.get(m);
                byMatrix.computeIfAbsent(new MatrixKey(member.tensor(), member.batch(), member.offsetGain()),
                    k -> new ArrayList<>()).add(new Ref(s, m));
            }
        }
        List<Block> blocks = new ArrayList<>();
        for (var entry : byMatrix.entrySet()) {
            blocks.addAll(blocksOf(source, entry.getKey(), entry.getValue(), sites, priors));
        }
        Map<Ref, ChannelStats> merged = BlockPass.run(source, blocks, parallelism, phase, progress,
            (b, bytes) -> partials(b, bytes, sites, backend), StatsPass::mergeInto).orElse(Map.of());
        List<SiteStats> out = new ArrayList<>(sites.size());
        for (int s = 0; s < sites.size(); s++) {
            Site site = sites.get(s);
            List<ChannelStats> stats = new ArrayList<>();
            List<Dtype> dtypes = new ArrayList<>();
            for (int m = 0; m < site.members().size(); m++) {
                stats.add(merged.getOrDefault(new Ref(s, m), ChannelStats.empty(site.channels())));
                dtypes.add(source.tensor(site.members().get(m).tensor()).dtype());
            }
            out.add(new SiteStats(site, stats, dtypes));
        }
        return out;
    }

    private static Map<Ref, ChannelStats> mergeInto(Map<Ref, ChannelStats> left, Map<Ref, ChannelStats> right) {
        right.forEach((ref, stats) -> left.merge(ref, stats, ChannelStats::merge));
        return left;
    }

    /** The statistics of every member reading block {@code b}, whose rows {@code bytes} holds. */
    private static Map<Ref, ChannelStats> partials(Block b, MemorySegment bytes, List<Site> sites, Backend backend) {
        MatrixView rows = new MatrixView(bytes, b.matrix().dtype(), 1, b.rowEnd() - b.rowStart(), b.matrix().cols());
        double[] rowFactors = b.rowFactors() == null ? null
            : Arrays.copyOfRange(b.rowFactors(), Math.toIntExact(b.rowStart()), Math.toIntExact(b.rowEnd()));
        Map<Axis, AxisStats> byAxis = new LinkedHashMap<>();
        Map<Ref, ChannelStats> out = new LinkedHashMap<>();
        for (Ref ref : b.refs()) {
            Site site = sites.get(ref.site());
            Member member = site.members().get(ref.member());
            AxisStats axis = byAxis.computeIfAbsent(member.axis(), a -> shifted(backend.stats(rows, 0,
                rows.rows(), a, rowFactors, b.colFactors(), b.key().offsetGain()), a, b.rowStart()));
            out.merge(ref, ChannelStats.of(axis, member.channelOf(), site.channels()), ChannelStats::merge);
        }
        return out;
    }

    /** Row statistics of a block read on its own start at row 0; their index in the matrix is {@code rowStart} on. */
    private static AxisStats shifted(AxisStats stats, Axis axis, long rowStart) {
        if (axis != Axis.ROWS) return stats;
        return new AxisStats(stats.firstIndex() + rowStart, stats.sum(), stats.absSum(), stats.sqSum(),
            stats.absMax(), stats.countPerIndex());
    }

    private static List<Block> blocksOf(TensorSource source, MatrixKey key, List<Ref> refs,
                                        List<Site> sites, FactorLookup priors) {
        Tensor tensor = source.tensor(key.tensor());
        if (!ElementAccess.supports(tensor.dtype())) {
            throw new WiscaException(ErrorKind.UNSUPPORTED_DTYPE, tensor.file(), key.tensor(),
                "a scale site needs a float tensor (f32, f64, bf16, f16), this one is " + tensor.dtype());
        }
        MatrixView whole = view(tensor, key);
        MatrixView matrix = whole.batch(key.batch());
        for (Ref ref : refs) {
            Member member = sites.get(ref.site()).members().get(ref.member());
            long axisLength = member.axis() == Axis.ROWS ? matrix.rows() : matrix.cols();
            if (member.length() != axisLength) {
                throw new WiscaException(ErrorKind.INVALID_SPEC, tensor.file(), key.tensor(),
                    "site " + sites.get(ref.site()).id() + " maps " + member.length() + " indices along "
                        + member.axis() + " but the tensor has " + axisLength);
            }
        }
        double[] rowFactors = slice(priors.rows(key.tensor()), key.batch(), matrix.rows());
        double[] colFactors = slice(priors.cols(key.tensor()), key.batch(), matrix.cols());
        long rowsPerBlock = BlockPass.rowsPerBlock(matrix.cols(), BlockPass.BLOCK_ELEMENTS);
        long matrixByte = Math.max(0, key.batch()) * matrix.rows() * matrix.cols() * matrix.dtype().byteSize();
        List<Block> blocks = new ArrayList<>();
        for (long start = 0; start < matrix.rows(); start += rowsPerBlock) {
            blocks.add(new Block(key, matrix, matrixByte, start, Math.min(matrix.rows(), start + rowsPerBlock),
                rowFactors, colFactors, refs));
        }
        return blocks;
    }

    private static MatrixView view(Tensor tensor, MatrixKey key) {
        int rank = tensor.shape().length;
        boolean batched = key.batch() >= 0;
        if (rank < 1 || rank > 3 || batched != (rank == 3) || (batched && key.batch() >= tensor.shape()[0])) {
            throw new WiscaException(ErrorKind.INVALID_SPEC, tensor.file(), key.tensor(),
                "a site member needs a 1-D or 2-D tensor, or a batch index within a 3-D tensor; shape is "
                    + Arrays.toString(tensor.shape()) + ", batch " + key.batch());
        }
        return MatrixView.of(tensor.data(), tensor.dtype(), tensor.shape());
    }

    /** The part of a whole-tensor factor vector that belongs to one batch. */
    private static double[] slice(double[] factors, int batch, long length) {
        if (factors == null || batch < 0) return factors;
        int from = Math.toIntExact(batch * length);
        return Arrays.copyOfRange(factors, from, Math.toIntExact(from + length));
    }
}
