package dev.wisca.rescale.graph;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * An independent f64 reference for the blocks a rescale touches. It reads tensors by their Hugging
 * Face names and layouts written out here per family (not through the specs), then computes per
 * layer: attention logits of every query head with HF rotate_half RoPE (and QK-norm), the V/O
 * output, router logits, every (shared) expert's MLP output, and lm_head on the final norm.
 */
final class Reference {
    record Norm(double[] gain, double[] bias) {
        double[] apply(double[] z) {
            double[] out = new double[z.length];
            for (int i = 0; i < z.length; i++) out[i] = gain[i] * z[i] + (bias == null ? 0 : bias[i]);
            return out;
        }
    }

    record Linear(double[][] w, double[] b) {
        double[] apply(double[] x) {
            double[] out = new double[w.length];
            for (int i = 0; i < w.length; i++) {
                double s = b == null ? 0 : b[i];
                for (int j = 0; j < x.length; j++) s += w[i][j] * x[j];
                out[i] = s;
            }
            return out;
        }
    }

    /** gate == null: ungated (up is the first linear). */
    record Ffn(Linear gate, Linear up, Linear down) {}

    record Layer(Norm attnNorm, Linear[] q, Linear[] k, Linear[] v, Linear o, double[] qNorm, double[] kNorm,
                 Norm mlpNorm, Linear router, List<Ffn> experts, Linear sharedGate) {}

    record Net(List<Layer> layers, Norm finalNorm, Linear lmHead, int rot, boolean gelu) {}

    private final Map<String, double[]> v;
    private final Map<String, long[]> shapes;

    private Reference(Map<String, double[]> values, Map<String, long[]> shapes) {
        this.v = values;
        this.shapes = shapes;
    }

    /** Every block output of {@code net} for a fixed random normalized input, concatenated. */
    static double[] outputs(Net net, long seed) {
        Random r = new Random(seed);
        List<Double> out = new ArrayList<>();
        for (Layer l : net.layers) {
            double[] z = new double[l.attnNorm.gain.length];
            for (int i = 0; i < z.length; i++) z[i] = r.nextGaussian();
            double[] a = l.attnNorm.apply(z);
            int heads = l.q.length, kv = l.k.length, g = heads / kv;
            List<double[]> vs = new ArrayList<>();
            for (int h = 0; h < heads; h++) {
                double[] q = rope(qkNorm(l.q[h].apply(a), l.qNorm), 3, net.rot);
                double[] k = rope(qkNorm(l.k[h / g].apply(a), l.kNorm), 5, net.rot);
                double dot = 0;
                for (int d = 0; d < q.length; d++) dot += q[d] * k[d];
                out.add(dot);
                vs.add(l.v[h / g].apply(a));
            }
            double[] concat = vs.stream().flatMapToDouble(java.util.Arrays::stream).toArray();
            add(out, l.o.apply(concat));
            double[] m = l.mlpNorm.apply(z);
            if (l.router != null) add(out, l.router.apply(m));
            if (l.sharedGate != null) add(out, l.sharedGate.apply(m));
            for (Ffn f : l.experts) add(out, ffn(f, m, net.gelu));
        }
        if (net.lmHead != null) {
            double[] z = new double[net.finalNorm.gain.length];
            for (int i = 0; i < z.length; i++) z[i] = r.nextGaussian();
            add(out, net.lmHead.apply(net.finalNorm.apply(z)));
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static void add(List<Double> out, double[] x) { for (double d : x) out.add(d); }

    private static double[] ffn(Ffn f, double[] m, boolean gelu) {
        double[] u = f.up.apply(m);
        double[] h = new double[u.length];
        if (f.gate == null) {
            for (int i = 0; i < u.length; i++) h[i] = gelu ? gelu(u[i]) : Math.max(0, u[i]);
        } else {
            double[] gt = f.gate.apply(m);
            for (int i = 0; i < u.length; i++) h[i] = (gelu ? gelu(gt[i]) : gt[i] / (1 + Math.exp(-gt[i]))) * u[i];
        }
        return f.down.apply(h);
    }

    private static double gelu(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    private static double[] qkNorm(double[] x, double[] gain) {
        if (gain == null) return x;
        double ss = 0;
        for (double d : x) ss += d * d;
        double rms = Math.sqrt(ss / x.length);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) out[i] = x[i] / rms * gain[i];
        return out;
    }

    /** Hugging Face rotate_half RoPE on the first rot dims at position p. */
    static double[] rope(double[] x, int p, int rot) {
        double[] out = x.clone();
        int half = rot / 2;
        for (int i = 0; i < half; i++) {
            double theta = p * Math.pow(10000, -2.0 * i / rot);
            double c = Math.cos(theta), s = Math.sin(theta);
            out[i] = x[i] * c - x[i + half] * s;
            out[i + half] = x[i + half] * c + x[i] * s;
        }
        return out;
    }

    // ---- extraction, per family, by Hugging Face names ----

    static Net extract(String family, JsonNode cfg, Map<String, double[]> values, Map<String, long[]> shapes) {
        return new Reference(values, shapes).net(family, cfg);
    }

    private Net net(String family, JsonNode cfg) {
        int hidden = cfg.has("n_embd") ? cfg.get("n_embd").asInt() : cfg.get("hidden_size").asInt();
        int heads = cfg.has("n_head") ? cfg.get("n_head").asInt() : cfg.get("num_attention_heads").asInt();
        int layers = cfg.has("n_layer") ? cfg.get("n_layer").asInt() : cfg.get("num_hidden_layers").asInt();
        int kv = cfg.path("num_key_value_heads").asInt(heads);
        int hd = cfg.path("head_dim").asInt(hidden / heads);
        double fraction = cfg.path("partial_rotary_factor").asDouble(cfg.path("rope_parameters").path("partial_rotary_factor").asDouble(1));
        boolean offset = family.startsWith("gemma");
        List<Layer> ls = new ArrayList<>();
        Norm fin;
        Linear head;
        int rot = (int) (hd * fraction);
        boolean gelu = family.startsWith("gemma") || List.of("gpt2", "gpt_neox", "falcon", "starcoder2").contains(family);
        switch (family) {
            case "gpt2" -> {
                rot = 0;
                for (int l = 0; l < layers; l++) ls.add(gpt2(l, heads, hd, hidden));
                fin = new Norm(v.get("transformer.ln_f.weight"), v.get("transformer.ln_f.bias"));
                head = null;
            }
            case "gpt_neox" -> {
                rot = (int) (hd * cfg.get("rotary_pct").asDouble());
                for (int l = 0; l < layers; l++) ls.add(neox(l, heads, hd));
                fin = new Norm(v.get("gpt_neox.final_layer_norm.weight"), v.get("gpt_neox.final_layer_norm.bias"));
                head = linear("embed_out.weight", null);
            }
            case "falcon" -> {
                rot = hd;
                for (int l = 0; l < layers; l++) ls.add(falcon(l, heads, hd, cfg));
                fin = new Norm(v.get("transformer.ln_f.weight"), v.get("transformer.ln_f.bias"));
                head = v.containsKey("lm_head.weight") && !cfg.path("tie_word_embeddings").asBoolean(true) ? linear("lm_head.weight", null) : null;
            }
            case "bert", "roberta" -> {
                // post-LayerNorm: layer l's attention reads the embeddings LayerNorm (l = 0) or layer l-1's output LayerNorm,
                // its MLP reads attention.output.LayerNorm; the last output LayerNorm is the output (an identity head shows it)
                rot = 0;
                gelu = true;
                Norm in = new Norm(v.get("embeddings.LayerNorm.weight"), v.get("embeddings.LayerNorm.bias"));
                for (int l = 0; l < layers; l++) {
                    ls.add(encoder(l, heads, hd, in));
                    String p = "encoder.layer." + l + ".output.LayerNorm.";
                    in = new Norm(v.get(p + "weight"), v.get(p + "bias"));
                }
                fin = in;
                double[][] identity = new double[hidden][hidden];
                for (int i = 0; i < hidden; i++) identity[i][i] = 1;
                head = new Linear(identity, null);
            }
            case "stablelm", "starcoder2" -> {
                for (int l = 0; l < layers; l++) ls.add(layerNormed(l, heads, kv, hd));
                fin = new Norm(v.get("model.norm.weight"), v.get("model.norm.bias"));
                head = v.containsKey("lm_head.weight") && !cfg.path("tie_word_embeddings").asBoolean(family.equals("starcoder2"))
                    ? linear("lm_head.weight", null) : null;
            }
            default -> {
                for (int l = 0; l < layers; l++) ls.add(llamaLike(family, l, heads, kv, hd, offset));
                fin = new Norm(gain("model.norm.weight", offset), null);
                head = v.containsKey("lm_head.weight") && !cfg.path("tie_word_embeddings").asBoolean(offset) ? linear("lm_head.weight", null) : null;
            }
        }
        return new Net(ls, fin, head, rot, gelu);
    }

    private Layer llamaLike(String family, int l, int heads, int kv, int hd, boolean offset) {
        String p = "model.layers." + l + ".";
        Linear[] q, k, vv;
        if (family.equals("phi3")) {
            double[][] qkv = mat(p + "self_attn.qkv_proj.weight");
            q = heads(rows(qkv, 0, heads * hd), null, heads, hd);
            k = heads(rows(qkv, heads * hd, (heads + kv) * hd), null, kv, hd);
            vv = heads(rows(qkv, (heads + kv) * hd, (heads + 2 * kv) * hd), null, kv, hd);
        } else {
            q = heads(mat(p + "self_attn.q_proj.weight"), v.get(p + "self_attn.q_proj.bias"), heads, hd);
            k = heads(mat(p + "self_attn.k_proj.weight"), v.get(p + "self_attn.k_proj.bias"), kv, hd);
            vv = heads(mat(p + "self_attn.v_proj.weight"), v.get(p + "self_attn.v_proj.bias"), kv, hd);
        }
        Linear o = linear(p + "self_attn.o_proj.weight", p + "self_attn.o_proj.bias");
        String mlpNorm = family.equals("gemma2") ? "pre_feedforward_layernorm.weight" : "post_attention_layernorm.weight";
        List<Ffn> experts = new ArrayList<>();
        Linear router = null, sharedGate = null;
        if (v.containsKey(p + "mlp.gate_up_proj.weight")) {
            double[][] gu = mat(p + "mlp.gate_up_proj.weight");
            int inter = gu.length / 2;
            experts.add(new Ffn(new Linear(rows(gu, 0, inter), null), new Linear(rows(gu, inter, 2 * inter), null), linear(p + "mlp.down_proj.weight", null)));
        } else if (v.containsKey(p + "mlp.up_proj.weight")) {
            experts.add(new Ffn(linear(p + "mlp.gate_proj.weight", p + "mlp.gate_proj.bias"), linear(p + "mlp.up_proj.weight", p + "mlp.up_proj.bias"),
                linear(p + "mlp.down_proj.weight", p + "mlp.down_proj.bias")));
        } else {
            String moe = family.equals("mixtral") ? "block_sparse_moe." : "mlp.";
            router = linear(p + moe + "gate.weight", null);
            int e = router.w.length;
            String fused = p + moe + "experts.gate_up_proj";
            for (int x = 0; x < e; x++) {
                if (v.containsKey(fused)) {
                    double[][] gu = batch(fused, x);
                    int inter = gu.length / 2;
                    experts.add(new Ffn(new Linear(rows(gu, 0, inter), null), new Linear(rows(gu, inter, 2 * inter), null),
                        new Linear(batch(p + moe + "experts.down_proj", x), null)));
                } else if (family.equals("mixtral")) {
                    String ep = p + moe + "experts." + x + ".";
                    experts.add(new Ffn(linear(ep + "w1.weight", null), linear(ep + "w3.weight", null), linear(ep + "w2.weight", null)));
                } else {
                    String ep = p + moe + "experts." + x + ".";
                    experts.add(new Ffn(linear(ep + "gate_proj.weight", null), linear(ep + "up_proj.weight", null), linear(ep + "down_proj.weight", null)));
                }
            }
            if (v.containsKey(p + "mlp.shared_expert.up_proj.weight")) {
                String sp = p + "mlp.shared_expert.";
                experts.add(new Ffn(linear(sp + "gate_proj.weight", null), linear(sp + "up_proj.weight", null), linear(sp + "down_proj.weight", null)));
                sharedGate = linear(p + "mlp.shared_expert_gate.weight", null);
            }
        }
        return new Layer(new Norm(gain(p + "input_layernorm.weight", offset), null), q, k, vv, o,
            v.get(p + "self_attn.q_norm.weight"), v.get(p + "self_attn.k_norm.weight"),
            new Norm(gain(p + mlpNorm, offset), null), router, experts, sharedGate);
    }

    /** StableLM and StarCoder2: llama attention names, LayerNorm with bias, gated (gate/up/down) or ungated (c_fc/c_proj) MLP. */
    private Layer layerNormed(int l, int heads, int kv, int hd) {
        String p = "model.layers." + l + ".";
        Linear[] q = heads(mat(p + "self_attn.q_proj.weight"), v.get(p + "self_attn.q_proj.bias"), heads, hd);
        Linear[] k = heads(mat(p + "self_attn.k_proj.weight"), v.get(p + "self_attn.k_proj.bias"), kv, hd);
        Linear[] vv = heads(mat(p + "self_attn.v_proj.weight"), v.get(p + "self_attn.v_proj.bias"), kv, hd);
        Linear o = linear(p + "self_attn.o_proj.weight", v.containsKey(p + "self_attn.o_proj.bias") ? p + "self_attn.o_proj.bias" : null);
        Norm attn = new Norm(v.get(p + "input_layernorm.weight"), v.get(p + "input_layernorm.bias"));
        Norm mlp = v.containsKey(p + "post_attention_layernorm.weight")
            ? new Norm(v.get(p + "post_attention_layernorm.weight"), v.get(p + "post_attention_layernorm.bias")) : attn;
        Ffn f = v.containsKey(p + "mlp.c_fc.weight")
            ? new Ffn(null, linear(p + "mlp.c_fc.weight", p + "mlp.c_fc.bias"), linear(p + "mlp.c_proj.weight", p + "mlp.c_proj.bias"))
            : new Ffn(linear(p + "mlp.gate_proj.weight", null), linear(p + "mlp.up_proj.weight", null), linear(p + "mlp.down_proj.weight", null));
        return new Layer(attn, q, k, vv, o, null, null, mlp, null, List.of(f), null);
    }

    /** BERT / RoBERTa: separate biased query/key/value, attention.output.dense, intermediate/output dense (GELU, ungated). */
    private Layer encoder(int l, int heads, int hd, Norm attnIn) {
        String p = "encoder.layer." + l + ".";
        String a = p + "attention.self.";
        Linear[] q = heads(mat(a + "query.weight"), v.get(a + "query.bias"), heads, hd);
        Linear[] k = heads(mat(a + "key.weight"), v.get(a + "key.bias"), heads, hd);
        Linear[] vv = heads(mat(a + "value.weight"), v.get(a + "value.bias"), heads, hd);
        Linear o = linear(p + "attention.output.dense.weight", p + "attention.output.dense.bias");
        Norm mlpIn = new Norm(v.get(p + "attention.output.LayerNorm.weight"), v.get(p + "attention.output.LayerNorm.bias"));
        Ffn f = new Ffn(null, linear(p + "intermediate.dense.weight", p + "intermediate.dense.bias"),
            linear(p + "output.dense.weight", p + "output.dense.bias"));
        return new Layer(attnIn, q, k, vv, o, null, null, mlpIn, null, List.of(f), null);
    }

    private Layer gpt2(int l, int heads, int hd, int hidden) {
        String p = "transformer.h." + l + ".";
        double[][] attn = transpose(mat(p + "attn.c_attn.weight"));
        double[] b = v.get(p + "attn.c_attn.bias");
        Linear[] q = heads(rows(attn, 0, hidden), slice(b, 0, hidden), heads, hd);
        Linear[] k = heads(rows(attn, hidden, 2 * hidden), slice(b, hidden, 2 * hidden), heads, hd);
        Linear[] vv = heads(rows(attn, 2 * hidden, 3 * hidden), slice(b, 2 * hidden, 3 * hidden), heads, hd);
        Linear o = new Linear(transpose(mat(p + "attn.c_proj.weight")), v.get(p + "attn.c_proj.bias"));
        Ffn f = new Ffn(null, new Linear(transpose(mat(p + "mlp.c_fc.weight")), v.get(p + "mlp.c_fc.bias")),
            new Linear(transpose(mat(p + "mlp.c_proj.weight")), v.get(p + "mlp.c_proj.bias")));
        return new Layer(new Norm(v.get(p + "ln_1.weight"), v.get(p + "ln_1.bias")), q, k, vv, o, null, null,
            new Norm(v.get(p + "ln_2.weight"), v.get(p + "ln_2.bias")), null, List.of(f), null);
    }

    private Layer neox(int l, int heads, int hd) {
        String p = "gpt_neox.layers." + l + ".";
        double[][] w = mat(p + "attention.query_key_value.weight");
        double[] b = v.get(p + "attention.query_key_value.bias");
        Linear[][] parts = new Linear[3][heads];
        for (int h = 0; h < heads; h++) {
            for (int part = 0; part < 3; part++) {
                int from = h * 3 * hd + part * hd;
                parts[part][h] = new Linear(rows(w, from, from + hd), slice(b, from, from + hd));
            }
        }
        Ffn f = new Ffn(null, linear(p + "mlp.dense_h_to_4h.weight", p + "mlp.dense_h_to_4h.bias"),
            linear(p + "mlp.dense_4h_to_h.weight", p + "mlp.dense_4h_to_h.bias"));
        return new Layer(new Norm(v.get(p + "input_layernorm.weight"), v.get(p + "input_layernorm.bias")), parts[0], parts[1], parts[2],
            linear(p + "attention.dense.weight", p + "attention.dense.bias"), null, null,
            new Norm(v.get(p + "post_attention_layernorm.weight"), v.get(p + "post_attention_layernorm.bias")), null, List.of(f), null);
    }

    private Layer falcon(int l, int heads, int hd, JsonNode cfg) {
        String p = "transformer.h." + l + ".";
        double[][] w = mat(p + "self_attention.query_key_value.weight");
        double[] b = v.get(p + "self_attention.query_key_value.bias");
        boolean newArch = cfg.path("new_decoder_architecture").asBoolean(false);
        boolean mq = cfg.path("multi_query").asBoolean(true);
        int kv = newArch ? cfg.get("num_kv_heads").asInt() : mq ? 1 : heads;
        int g = heads / kv;
        Linear[] q = new Linear[heads], k = new Linear[kv], vv = new Linear[kv];
        for (int h = 0; h < heads; h++) {
            int from = newArch ? (h / g) * (g + 2) * hd + (h % g) * hd : mq ? h * hd : h * 3 * hd;
            q[h] = new Linear(rows(w, from, from + hd), slice(b, from, from + hd));
        }
        for (int j = 0; j < kv; j++) {
            int kf = newArch ? j * (g + 2) * hd + g * hd : mq ? heads * hd : j * 3 * hd + hd;
            int vf = kf + (newArch || mq ? hd : hd);
            k[j] = new Linear(rows(w, kf, kf + hd), slice(b, kf, kf + hd));
            vv[j] = new Linear(rows(w, vf, vf + hd), slice(b, vf, vf + hd));
        }
        boolean twoLn = v.containsKey(p + "ln_attn.weight");
        Norm attn = twoLn ? new Norm(v.get(p + "ln_attn.weight"), v.get(p + "ln_attn.bias"))
            : new Norm(v.get(p + "input_layernorm.weight"), v.get(p + "input_layernorm.bias"));
        Norm mlp = twoLn ? new Norm(v.get(p + "ln_mlp.weight"), v.get(p + "ln_mlp.bias"))
            : v.containsKey(p + "post_attention_layernorm.weight")
            ? new Norm(v.get(p + "post_attention_layernorm.weight"), v.get(p + "post_attention_layernorm.bias")) : attn;
        Ffn f = new Ffn(null, linear(p + "mlp.dense_h_to_4h.weight", p + "mlp.dense_h_to_4h.bias"),
            linear(p + "mlp.dense_4h_to_h.weight", p + "mlp.dense_4h_to_h.bias"));
        return new Layer(attn, q, k, vv, linear(p + "self_attention.dense.weight", p + "self_attention.dense.bias"), null, null,
            mlp, null, List.of(f), null);
    }

    private double[] gain(String name, boolean offset) {
        double[] g = v.get(name).clone();
        if (offset) for (int i = 0; i < g.length; i++) g[i] += 1;
        return g;
    }

    private Linear linear(String w, String b) {
        return new Linear(mat(w), b == null ? null : v.get(b));
    }

    private static Linear[] heads(double[][] w, double[] b, int n, int hd) {
        Linear[] out = new Linear[n];
        for (int h = 0; h < n; h++) out[h] = new Linear(rows(w, h * hd, (h + 1) * hd), slice(b, h * hd, (h + 1) * hd));
        return out;
    }

    private double[][] mat(String name) {
        double[] x = v.get(name);
        if (x == null) throw new AssertionError("reference: no tensor " + name);
        long[] s = shapes.get(name);
        return reshape(x, 0, (int) s[0], (int) s[1]);
    }

    private double[][] batch(String name, int e) {
        long[] s = shapes.get(name);
        return reshape(v.get(name), (int) (e * s[1] * s[2]), (int) s[1], (int) s[2]);
    }

    private static double[][] reshape(double[] x, int offset, int rows, int cols) {
        double[][] m = new double[rows][cols];
        for (int i = 0; i < rows; i++) System.arraycopy(x, offset + i * cols, m[i], 0, cols);
        return m;
    }

    private static double[][] rows(double[][] m, int from, int to) {
        return java.util.Arrays.copyOfRange(m, from, to);
    }

    private static double[] slice(double[] b, int from, int to) {
        return b == null ? null : java.util.Arrays.copyOfRange(b, from, to);
    }

    private static double[][] transpose(double[][] m) {
        double[][] t = new double[m[0].length][m.length];
        for (int i = 0; i < m.length; i++) for (int j = 0; j < m[0].length; j++) t[j][i] = m[i][j];
        return t;
    }
}
