package dev.wisca.rescale.pattern;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;

/**
 * Independent per-head slices of the attention weights, written out per family from the Hugging
 * Face layouts (names and fused row orders spelled out here, not taken from the specs): for each
 * layer, the q rows of every query head, the k and v rows of every KV head and the o input columns
 * of every query head, as lists of stored element indices.
 */
final class HeadReference {
    /** Stored element indices of each head of each projection in one layer. */
    record LayerHeads(String qTensor, long[][] q, String kTensor, long[][] k, String vTensor, long[][] v, String oTensor, long[][] o) {}

    private HeadReference() {}

    static LayerHeads layer(String family, JsonNode cfg, int l, Map<String, long[]> shapes) {
        int hidden = cfg.has("n_embd") ? cfg.get("n_embd").asInt() : cfg.get("hidden_size").asInt();
        int heads = cfg.has("n_head") ? cfg.get("n_head").asInt() : cfg.get("num_attention_heads").asInt();
        int kv = cfg.path("num_key_value_heads").asInt(heads);
        int hd = cfg.path("head_dim").asInt(hidden / heads);
        switch (family) {
            case "gpt2" -> {
                String p = "transformer.h." + l + ".";
                String attn = p + "attn.c_attn.weight";  // stored [hidden, 3*hidden]: q/k/v are stored columns
                String proj = p + "attn.c_proj.weight";  // stored [hidden(in), hidden(out)]: o inputs are stored rows
                int width = 3 * hidden;
                return new LayerHeads(attn, storedCols(heads, hd, 0, hidden, width), attn, storedCols(heads, hd, hidden, hidden, width),
                    attn, storedCols(heads, hd, 2 * hidden, hidden, width), proj, storedRows(heads, hd, i -> i, hidden));
            }
            case "gpt_neox" -> {
                String p = "gpt_neox.layers." + l + ".";
                String qkv = p + "attention.query_key_value.weight";
                return new LayerHeads(qkv, storedRows(heads, hd, i -> (i / hd) * 3 * hd + i % hd, hidden),
                    qkv, storedRows(heads, hd, i -> (i / hd) * 3 * hd + hd + i % hd, hidden),
                    qkv, storedRows(heads, hd, i -> (i / hd) * 3 * hd + 2 * hd + i % hd, hidden),
                    p + "attention.dense.weight", storedCols(heads, hd, 0, hidden, hidden));
            }
            case "falcon" -> {
                String p = "transformer.h." + l + ".";
                String qkv = p + "self_attention.query_key_value.weight";
                boolean newArch = cfg.path("new_decoder_architecture").asBoolean(false);
                boolean mq = cfg.path("multi_query").asBoolean(true);
                int kvh = newArch ? cfg.get("num_kv_heads").asInt() : mq ? 1 : heads;
                int g = heads / kvh;
                RowOf qRow = i -> {
                    int h = i / hd;
                    return newArch ? (h / g) * (g + 2) * hd + (h % g) * hd + i % hd : mq ? i : h * 3 * hd + i % hd;
                };
                RowOf kRow = i -> {
                    int j = i / hd;
                    return newArch ? j * (g + 2) * hd + g * hd + i % hd : mq ? heads * hd + i : j * 3 * hd + hd + i % hd;
                };
                RowOf vRow = i -> kRow.row(i) + hd;
                return new LayerHeads(qkv, storedRows(heads, hd, qRow, hidden), qkv, storedRows(kvh, hd, kRow, hidden),
                    qkv, storedRows(kvh, hd, vRow, hidden), p + "self_attention.dense.weight", storedCols(heads, hd, 0, hidden, heads * hd));
            }
            case "phi3" -> {
                String p = "model.layers." + l + ".";
                String qkv = p + "self_attn.qkv_proj.weight";
                return new LayerHeads(qkv, storedRows(heads, hd, i -> i, hidden), qkv, storedRows(kv, hd, i -> heads * hd + i, hidden),
                    qkv, storedRows(kv, hd, i -> (heads + kv) * hd + i, hidden), p + "self_attn.o_proj.weight",
                    storedCols(heads, hd, 0, hidden, heads * hd));
            }
            case "bert", "roberta" -> {
                String p = "encoder.layer." + l + ".attention.";
                return new LayerHeads(p + "self.query.weight", storedRows(heads, hd, i -> i, hidden), p + "self.key.weight",
                    storedRows(heads, hd, i -> i, hidden), p + "self.value.weight", storedRows(heads, hd, i -> i, hidden),
                    p + "output.dense.weight", storedCols(heads, hd, 0, hidden, heads * hd));
            }
            default -> {
                String p = "model.layers." + l + ".self_attn.";
                long in = shapes.get(p + "q_proj.weight")[1];
                return new LayerHeads(p + "q_proj.weight", storedRows(heads, hd, i -> i, in), p + "k_proj.weight", storedRows(kv, hd, i -> i, in),
                    p + "v_proj.weight", storedRows(kv, hd, i -> i, in), p + (family.equals("phi") ? "dense.weight" : "o_proj.weight"),
                    storedCols(heads, hd, 0, hidden, heads * hd));
            }
        }
    }

    @FunctionalInterface
    interface RowOf {
        int row(int logicalRow);
    }

    /** Head h: every element of stored rows row(h*hd .. h*hd+hd-1) of a matrix with {@code cols} columns. */
    private static long[][] storedRows(int n, int hd, RowOf rowOf, long cols) {
        long[][] out = new long[n][];
        for (int h = 0; h < n; h++) {
            out[h] = new long[(int) (hd * cols)];
            int k = 0;
            for (int d = 0; d < hd; d++) {
                long row = rowOf.row(h * hd + d);
                for (long c = 0; c < cols; c++) out[h][k++] = row * cols + c;
            }
        }
        return out;
    }

    /** Head h: every element of stored columns offset+h*hd .. of a matrix with {@code rows} rows and {@code width} columns. */
    private static long[][] storedCols(int n, int hd, int offset, long rows, long width) {
        long[][] out = new long[n][];
        for (int h = 0; h < n; h++) {
            out[h] = new long[(int) (hd * rows)];
            int k = 0;
            for (long r = 0; r < rows; r++) {
                for (int d = 0; d < hd; d++) out[h][k++] = r * width + offset + (long) h * hd + d;
            }
        }
        return out;
    }
}
