package dev.wisca.sdk.report;

import dev.wisca.rescale.pattern.AttentionStats;
import dev.wisca.rescale.pattern.Balance;
import dev.wisca.rescale.pattern.HeadNorms;
import dev.wisca.rescale.pattern.PatternReport;
import dev.wisca.rescale.pattern.TensorStats;
import dev.wisca.rescale.pattern.ValueStats;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static dev.wisca.sdk.report.Column.Type.FLOAT64;
import static dev.wisca.sdk.report.Column.Type.INT64;
import static dev.wisca.sdk.report.Column.Type.STRING;

/**
 * A {@link PatternReport} as three long/tidy tables, one row per observation:
 * <ul>
 * <li>{@code tensors}: name, role, layer, dtype, shape ({@code "[64, 128]"}), elements, l1, l2,
 *     max_abs, nan_count, inf_count (norms and counts empty for non-float dtypes);</li>
 * <li>{@code heads}: layer, projection ({@code q}, {@code k}, {@code v}, {@code o}), head (query head
 *     for q and o, KV head for k and v), kv_head (the KV group the head belongs to), tensor, l1, l2;</li>
 * <li>{@code balance}: layer, pair ({@code qk}, {@code vo}), scope ({@code tensor} or
 *     {@code kv_group}), kv_head (empty for scope tensor), producer_l1, consumer_l1, ratio, log2_ratio
 *     — ratio = producer/consumer, the quantity WISCA equalizes to 1.</li>
 * </ul>
 * Missing values are nulls (empty in CSV). Layer is null for tensors outside layers.
 */
public final class StatsTables {
    public static final String TENSORS = "tensors";
    public static final String HEADS = "heads";
    public static final String BALANCE = "balance";

    private StatsTables() {}

    public static List<Table> of(PatternReport report) {
        return List.of(tensors(report), heads(report), balance(report));
    }

    public static Table tensors(PatternReport report) {
        TableBuilder t = new TableBuilder(TENSORS).column("name", STRING).column("role", STRING).column("layer", INT64)
            .column("dtype", STRING).column("shape", STRING).column("elements", INT64).column("l1", FLOAT64)
            .column("l2", FLOAT64).column("max_abs", FLOAT64).column("nan_count", INT64).column("inf_count", INT64);
        for (TensorStats s : report.tensors()) {
            ValueStats v = s.values();
            t.row(s.name(), s.role(), s.layer() < 0 ? null : (long) s.layer(), s.dtype().headerName(), shape(s.shape()), s.elements(),
                v == null ? null : v.l1(), v == null ? null : v.l2(), v == null ? null : v.maxAbs(),
                v == null ? null : v.nanCount(), v == null ? null : v.infCount());
        }
        return t.build();
    }

    public static Table heads(PatternReport report) {
        TableBuilder t = new TableBuilder(HEADS).column("layer", INT64).column("projection", STRING).column("head", INT64)
            .column("kv_head", INT64).column("tensor", STRING).column("l1", FLOAT64).column("l2", FLOAT64);
        for (AttentionStats a : report.attention()) {
            headRows(t, a, "q", a.q(), a.groupSize());
            headRows(t, a, "k", a.k(), 1);
            headRows(t, a, "v", a.v(), 1);
            headRows(t, a, "o", a.o(), a.groupSize());
        }
        return t.build();
    }

    public static Table balance(PatternReport report) {
        TableBuilder t = new TableBuilder(BALANCE).column("layer", INT64).column("pair", STRING).column("scope", STRING)
            .column("kv_head", INT64).column("producer_l1", FLOAT64).column("consumer_l1", FLOAT64)
            .column("ratio", FLOAT64).column("log2_ratio", FLOAT64);
        for (AttentionStats a : report.attention()) {
            balanceRows(t, a.layer(), "qk", a.qk());
            balanceRows(t, a.layer(), "vo", a.vo());
        }
        return t.build();
    }

    private static void headRows(TableBuilder t, AttentionStats a, String projection, HeadNorms norms, int headsPerGroup) {
        if (norms == null) return;
        for (int h = 0; h < norms.heads(); h++) {
            t.row((long) a.layer(), projection, (long) h, (long) (h / headsPerGroup), norms.tensor(), norms.l1(h), norms.l2(h));
        }
    }

    private static void balanceRows(TableBuilder t, int layer, String pair, Balance b) {
        if (b == null) return;
        t.row((long) layer, pair, "tensor", null, b.producerL1(), b.consumerL1(), b.ratio(), log2(b.ratio()));
        for (int g = 0; g < b.groups(); g++) {
            t.row((long) layer, pair, "kv_group", (long) g, b.groupProducerL1()[g], b.groupConsumerL1()[g], b.groupRatio(g), log2(b.groupRatio(g)));
        }
    }

    static double log2(double x) { return Math.log(x) / Math.log(2); }

    private static String shape(long[] shape) {
        return Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(", ", "[", "]"));
    }
}
