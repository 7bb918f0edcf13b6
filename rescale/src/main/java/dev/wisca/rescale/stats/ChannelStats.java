package dev.wisca.rescale.stats;

import dev.wisca.rescale.backend.AxisStats;
import java.util.Arrays;

/**
 * Per-channel sums of one member (or of a whole side): Σw, Σ|w|, Σw², max|w| and the element
 * count. Partial statistics of disjoint parts of a tensor {@link #merge} into those of the whole,
 * so shards, threads and row blocks each produce their own.
 */
public record ChannelStats(double[] sum, double[] absSum, double[] sqSum, double[] absMax, long[] count) {

    public static ChannelStats empty(int channels) {
        return new ChannelStats(new double[channels], new double[channels], new double[channels],
            new double[channels], new long[channels]);
    }

    /** Folds per-index statistics into channels: index {@code firstIndex + k} goes to {@code channelOf[...]} unless -1. */
    public static ChannelStats of(AxisStats axis, int[] channelOf, int channels) {
        ChannelStats out = empty(channels);
        for (int k = 0; k < axis.length(); k++) {
            int c = channelOf[Math.toIntExact(axis.firstIndex() + k)];
            if (c < 0) continue;
            out.sum[c] += axis.sum()[k];
            out.absSum[c] += axis.absSum()[k];
            out.sqSum[c] += axis.sqSum()[k];
            out.absMax[c] = Math.max(out.absMax[c], axis.absMax()[k]);
            out.count[c] += axis.countPerIndex();
        }
        return out;
    }

    public int channels() { return sum.length; }

    /** Statistics of the union of both parts. */
    public ChannelStats merge(ChannelStats other) {
        if (other.channels() != channels()) throw new IllegalArgumentException("channel counts differ");
        ChannelStats out = empty(channels());
        for (int c = 0; c < channels(); c++) {
            out.sum[c] = sum[c] + other.sum[c];
            out.absSum[c] = absSum[c] + other.absSum[c];
            out.sqSum[c] = sqSum[c] + other.sqSum[c];
            out.absMax[c] = Math.max(absMax[c], other.absMax[c]);
            out.count[c] = count[c] + other.count[c];
        }
        return out;
    }

    /** The norm of channel c. */
    public double norm(Norm norm, int c) {
        return switch (norm) {
            case L1 -> absSum[c];
            case L2 -> Math.sqrt(sqSum[c]);
            case MAX -> absMax[c];
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChannelStats s && Arrays.equals(sum, s.sum) && Arrays.equals(absSum, s.absSum)
            && Arrays.equals(sqSum, s.sqSum) && Arrays.equals(absMax, s.absMax) && Arrays.equals(count, s.count);
    }

    @Override
    public int hashCode() { return Arrays.hashCode(absSum) * 31 + Arrays.hashCode(count); }

    @Override
    public String toString() {
        return "ChannelStats[absSum=" + Arrays.toString(absSum) + ", count=" + Arrays.toString(count) + "]";
    }
}
