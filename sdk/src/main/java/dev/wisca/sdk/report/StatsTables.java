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
 * <li>{@code balance}: layer, pair ({@code qk}, {@code vo}), scope ({@code tensor}, {@code kv_group} or
 *     {@code q_head}), kv_head (empty for scope tensor), head (the query head, for scope q_head only),
 *     producer_l1, consumer_l1, ratio, log2_ratio — ratio = producer/consumer, the quantity WISCA
 *     equalizes to 1 per tensor or KV group. A q_head row sets one query head against the KV head of
 *     its group (q rows of the head / k rows of the KV head; v rows of the KV head / o columns of the
 *     head), so a balanced group of g equal heads gives 1/g (qk) or g (vo) there.</li>
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
            .column("kv_head", INT64).column("head", INT64).column("producer_l1", FLOAT64).column("consumer_l1", FLOAT64)
            .column("ratio", FLOAT64).column("log2_ratio", FLOAT64);
        for (AttentionStats a : report.attention()) {
            balanceRows(t, a.layer(), "qk", a.qk());
            headBalanceRows(t, a, "qk", a.q(), a.k(), true);
            balanceRows(t, a.layer(), "vo", a.vo());
            headBalanceRows(t, a, "vo", a.v(), a.o(), false);
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
        t.row((long) layer, pair, "tensor", null, null, b.producerL1(), b.consumerL1(), b.ratio(), log2(b.ratio()));
        for (int g = 0; g < b.groups(); g++) {
            t.row((long) layer, pair, "kv_group", (long) g, null, b.groupProducerL1()[g], b.groupConsumerL1()[g], b.groupRatio(g), log2(b.groupRatio(g)));
        }
    }

    /** One row per query head; the producer is per query head (q) or per KV head (v), the consumer the other way round. */
    private static void headBalanceRows(TableBuilder t, AttentionStats a, String pair, HeadNorms producer, HeadNorms consumer,
                                        boolean producerPerQueryHead) {
        if (producer == null || consumer == null) return;
        for (int h = 0; h < a.heads(); h++) {
            int kv = h / a.groupSize();
            double p = producer.l1(producerPerQueryHead ? h : kv);
            double c = consumer.l1(producerPerQueryHead ? kv : h);
            t.row((long) a.layer(), pair, "q_head", (long) kv, (long) h, p, c, p / c, log2(p / c));
        }
    }

    static double log2(double x) { return Math.log(x) / Math.log(2); }

    private static String shape(long[] shape) {
        return Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(", ", "[", "]"));
    }
}
