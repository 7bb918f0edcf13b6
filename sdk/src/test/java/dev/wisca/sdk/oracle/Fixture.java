package dev.wisca.sdk.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A tiny checkpoint written by transformers' own {@code save_pretrained}, with the float64 logits
 * transformers computes for {@link #TOKENS} on it as stored.
 *
 * @param name   family/variant/storage, for test names and folders
 * @param dir    the checkpoint folder
 * @param dtype  {@code f32} or {@code bf16}
 * @param logits row-major [batch, seq, vocab]; for an encoder (bert, roberta) its last_hidden_state [batch, seq, hidden]
 *               instead, token type ids all zero and the attention mask all ones (the oracle's ENCODERS)
 */
record Fixture(String name, Path dir, String dtype, double[] logits) {
    /** Two sequences of 12 tokens below the oracle's vocabulary of 64. */
    static final int[][] TOKENS = {{1, 5, 9, 33, 2, 7, 63, 0, 12, 40, 41, 3}, {8, 8, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11}};

    /**
     * How a fixture is stored: dtype, for a sharded folder transformers' max_shard_size, and whether
     * the tensors carry transformers 5's in-memory names (MoE experts fused into 3-D tensors) instead
     * of what save_pretrained writes (one tensor per expert).
     */
    record Storage(String name, String dtype, String shard, boolean fused) {
        static final Storage F32_SINGLE = new Storage("f32", "f32", null, false);
        static final Storage F32_SHARDED = new Storage("f32-sharded", "f32", "20KB", false);
        static final Storage BF16_SHARDED = new Storage("bf16-sharded", "bf16", "20KB", false);
        static final Storage F32_FUSED = new Storage("f32-fused-experts", "f32", null, true);
        static final Storage BF16_FUSED = new Storage("bf16-fused-experts", "bf16", null, true);
    }

    static Fixture build(TransformersOracle oracle, String family, String variant, Storage storage, Path work, long seed) {
        String name = family + "/" + variant + "/" + storage.name();
        Path dir = work.resolve(name.replace('/', '-'));
        ObjectNode req = TransformersOracle.request("build").put("family", family).put("variant", variant)
            .put("dtype", storage.dtype()).put("out", dir.toString()).put("seed", seed);
        if (storage.shard() != null) req.put("shard", storage.shard());
        if (storage.fused()) req.put("fused", true);
        req.set("tokens", tokens());
        JsonNode answer = oracle.call(req);
        return new Fixture(name, dir, storage.dtype(), flatten(answer.get("logits")));
    }

    static ArrayNode tokens() {
        ArrayNode all = TransformersOracle.JSON.createArrayNode();
        for (int[] seq : TOKENS) {
            ArrayNode row = all.addArray();
            for (int t : seq) row.add(t);
        }
        return all;
    }

    static double[] flatten(JsonNode nested) {
        List<Double> values = new ArrayList<>();
        collect(nested, values);
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static void collect(JsonNode n, List<Double> out) {
        if (n.isArray()) {
            for (JsonNode c : n) collect(c, out);
        } else {
            out.add(n.asDouble());
        }
    }

    double maxAbsLogit() {
        double m = 0;
        for (double v : logits) m = Math.max(m, Math.abs(v));
        return m;
    }
}
