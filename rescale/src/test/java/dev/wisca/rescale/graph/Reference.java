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

    /** qNormBias/kNormBias non-null: QK-norm is a LayerNorm (centred, then bias added: Phi's qk_layernorm). */
    record Layer(Norm attnNorm, Linear[] q, Linear[] k, Linear[] v, Linear o, double[] qNorm, double[] kNorm,
                 Norm mlpNorm, Linear router, List<Ffn> experts, Linear sharedGate, double[] qNormBias, double[] kNormBias) {
        Layer(Norm attnNorm, Linear[] q, Linear[] k, Linear[] v, Linear o, double[] qNorm, double[] kNorm,
              Norm mlpNorm, Linear router, List<Ffn> experts, Linear sharedGate) {
            this(attnNorm, q, k, v, o, qNorm, kNorm, mlpNorm, router, experts, sharedGate, null, null);
        }
    }

    /**
     * interleaved: RoPE pairs 2i with 2i + 1 (Cohere), else rotate_half; wholeWidthQkNorm: q/k norms over all heads
     * together (OLMo 2), not per head; {@code clampedSwiglu}: gpt-oss's (clamp(up) + 1) · g σ(1.702 g), g = min(gate, 7);
     * {@code mla}: DeepSeek's latent attention per layer, or null.
     */
    record Net(List<Layer> layers, Norm finalNorm, Linear lmHead, int rot, boolean gelu, boolean interleaved, boolean wholeWidthQkNorm,
               boolean clampedSwiglu, List<Mla> mla) {}

    /**
     * DeepSeek's latent attention of one layer (its Layer holds q/k/v as empty arrays and o null): q from
     * q_b(rms(q_a a) · g) (or q_proj), k_nope and v per head from kv_b(rms(latent) · g), one RoPE key from
     * kv_a shared by every head; RoPE on interleaved pairs.
     */
    record Mla(Linear qa, double[] qaNorm, Linear qb, Linear kva, double[] kvaNorm, Linear kvb, Linear o,
               int heads, int nope, int rope, int v, int kvLora) {
        void outputs(double[] a, List<Double> out) {
            double[] q = qb.apply(qa == null ? a : rmsGain(qa.apply(a), qaNorm));
            double[] compressed = kva.apply(a);
            double[] kv = kvb.apply(rmsGain(java.util.Arrays.copyOfRange(compressed, 0, kvLora), kvaNorm));
            double[] kRope = interleavedRope(java.util.Arrays.copyOfRange(compressed, kvLora, kvLora + rope), 5);
            List<Double> values = new ArrayList<>();
            for (int h = 0; h < heads; h++) {
                int qh = h * (nope + rope), kh = h * (nope + v);
                double dot = 0;
                for (int d = 0; d < nope; d++) dot += q[qh + d] * kv[kh + d];
                double[] qRope = interleavedRope(java.util.Arrays.copyOfRange(q, qh + nope, qh + nope + rope), 3);
                for (int d = 0; d < rope; d++) dot += qRope[d] * kRope[d];
                out.add(dot);
                for (int d = 0; d < v; d++) values.add(kv[kh + nope + d]);
            }
            add(out, o.apply(values.stream().mapToDouble(Double::doubleValue).toArray()));
        }

        private static double[] rmsGain(double[] x, double[] gain) {
            double ss = 0;
            for (double d : x) ss += d * d;
            double rms = Math.sqrt(ss / x.length + 1e-6);
            double[] y = new double[x.length];
            for (int i = 0; i < x.length; i++) y[i] = x[i] / rms * gain[i];
            return y;
        }

        private static double[] interleavedRope(double[] x, int p) {
            double[] y = x.clone();
            for (int i = 0; i < x.length / 2; i++) {
                double theta = p * Math.pow(10000, -2.0 * i / x.length);
                double c = Math.cos(theta), s = Math.sin(theta);
                y[2 * i] = x[2 * i] * c - x[2 * i + 1] * s;
                y[2 * i + 1] = x[2 * i + 1] * c + x[2 * i] * s;
            }
            return y;
        }
    }

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
        for (int li = 0; li < net.layers.size(); li++) {
            Layer l = net.layers.get(li);
            double[] z = new double[l.attnNorm.gain.length];
            for (int i = 0; i < z.length; i++) z[i] = r.nextGaussian();
            double[] a = l.attnNorm.apply(z);
            if (net.mla != null) net.mla.get(li).outputs(a, out);
            int heads = l.q.length, kv = Math.max(l.k.length, 1), g = Math.max(heads / kv, 1);
            List<double[]> vs = new ArrayList<>();
            double[][] qs = qkNorms(apply(l.q, a), l.qNorm, l.qNormBias, net.wholeWidthQkNorm);
            double[][] ks = qkNorms(apply(l.k, a), l.kNorm, l.kNormBias, net.wholeWidthQkNorm);
            for (int h = 0; h < heads; h++) {
                double[] q = rope(qs[h], 3, net.rot, net.interleaved);
                double[] k = rope(ks[h / g], 5, net.rot, net.interleaved);
                double dot = 0;
                for (int d = 0; d < q.length; d++) dot += q[d] * k[d];
                out.add(dot);
                vs.add(l.v[h / g].apply(a));
            }
            double[] concat = vs.stream().flatMapToDouble(java.util.Arrays::stream).toArray();
            if (l.o != null) add(out, l.o.apply(concat));
            double[] m = l.mlpNorm.apply(z);
            if (l.router != null) add(out, l.router.apply(m));
            if (l.sharedGate != null) add(out, l.sharedGate.apply(m));
            for (Ffn f : l.experts) add(out, ffn(f, m, net.gelu, net.clampedSwiglu));
        }
        if (net.lmHead != null) {
            double[] z = new double[net.finalNorm.gain.length];
            for (int i = 0; i < z.length; i++) z[i] = r.nextGaussian();
            add(out, net.lmHead.apply(net.finalNorm.apply(z)));
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static void add(List<Double> out, double[] x) { for (double d : x) out.add(d); }

    private static double[] ffn(Ffn f, double[] m, boolean gelu, boolean clampedSwiglu) {
        double[] u = f.up.apply(m);
        double[] h = new double[u.length];
        if (clampedSwiglu) {
            double[] gt = f.gate.apply(m);
            for (int i = 0; i < u.length; i++) {
                double g = Math.min(gt[i], 7.0);
                h[i] = (Math.max(-7.0, Math.min(u[i], 7.0)) + 1) * g / (1 + Math.exp(-1.702 * g));
            }
        } else if (f.gate == null) {
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

    private static double[][] apply(Linear[] heads, double[] a) {
        double[][] out = new double[heads.length][];
        for (int h = 0; h < heads.length; h++) out[h] = heads[h].apply(a);
        return out;
    }

    /** Per-head QK-norm (a gain row per head when it has one, Cohere), or one norm over the concatenated heads (whole). */
    private static double[][] qkNorms(double[][] heads, double[] gain, double[] bias, boolean whole) {
        if (gain == null) return heads;
        int hd = heads[0].length;
        if (!whole) {
            double[][] out = new double[heads.length][];
            for (int h = 0; h < heads.length; h++) out[h] = qkNorm(heads[h], headRow(gain, h, hd), headRow(bias, h, hd));
            return out;
        }
        double[] normed = qkNorm(java.util.Arrays.stream(heads).flatMapToDouble(java.util.Arrays::stream).toArray(), gain, bias);
        double[][] out = new double[heads.length][];
        for (int h = 0; h < heads.length; h++) out[h] = java.util.Arrays.copyOfRange(normed, h * hd, (h + 1) * hd);
        return out;
    }

    /** RMS QK-norm times gain; with a bias, a LayerNorm (centred first, bias added). */
    private static double[] qkNorm(double[] x, double[] gain, double[] bias) {
        if (gain == null) return x;
        double mean = 0;
        if (bias != null) for (double d : x) mean += d / x.length;
        double ss = 0;
        for (double d : x) ss += (d - mean) * (d - mean);
        double rms = Math.sqrt(ss / x.length);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) out[i] = (x[i] - mean) / rms * gain[i] + (bias == null ? 0 : bias[i]);
        return out;
    }

    /** Hugging Face rotate_half RoPE on the first rot dims at position p. */
    static double[] rope(double[] x, int p, int rot, boolean interleaved) {
        double[] out = x.clone();
        int half = rot / 2;
        for (int i = 0; i < half; i++) {
            double theta = p * Math.pow(10000, -2.0 * i / rot);
            double c = Math.cos(theta), s = Math.sin(theta);
            int a = interleaved ? 2 * i : i, b = interleaved ? 2 * i + 1 : i + half;
            out[a] = x[a] * c - x[b] * s;
            out[b] = x[b] * c + x[a] * s;
        }
        return out;
    }

    /** QK-norm gains held per head ([heads · head_dim], Cohere): the row of head h; shared gains as they are. */
    private static double[] headRow(double[] gain, int h, int hd) {
        if (gain == null || gain.length == hd) return gain;
        return java.util.Arrays.copyOfRange(gain, h * hd, (h + 1) * hd);
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
        List<Mla> mla = null;
        Norm fin;
        Linear head;
        int rot = (int) (hd * fraction);
        boolean gelu = family.startsWith("gemma") || List.of("gpt2", "gpt_neox", "falcon", "starcoder2", "phi").contains(family);
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
            case "phi" -> {
                for (int l = 0; l < layers; l++) ls.add(phi(l, heads, kv, hd));
                fin = new Norm(v.get("model.final_layernorm.weight"), v.get("model.final_layernorm.bias"));
                head = v.containsKey("lm_head.weight") && !cfg.path("tie_word_embeddings").asBoolean(false) ? linear("lm_head.weight", "lm_head.bias") : null;
            }
            case "cohere" -> {
                for (int l = 0; l < layers; l++) ls.add(cohere(l, heads, kv, hd));
                fin = new Norm(v.get("model.norm.weight"), null);
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
            case "deepseek_v3" -> {
                mla = new ArrayList<>();
                for (int l = 0; l < layers; l++) ls.add(deepseek(l, cfg, mla));
                fin = new Norm(v.get("model.norm.weight"), null);
                head = v.containsKey("lm_head.weight") && !cfg.path("tie_word_embeddings").asBoolean(false) ? linear("lm_head.weight", null) : null;
            }
            case "llama4_text" -> {
                for (int l = 0; l < layers; l++) ls.add(llama4(l, heads, kv, hd));
                fin = new Norm(v.get("model.norm.weight"), null);
                head = v.containsKey("lm_head.weight") && !cfg.path("tie_word_embeddings").asBoolean(false) ? linear("lm_head.weight", null) : null;
            }
            case "gpt_oss" -> {
                for (int l = 0; l < layers; l++) ls.add(gptOss(l, heads, kv, hd));
                fin = new Norm(v.get("model.norm.weight"), null);
                head = v.containsKey("lm_head.weight") && !cfg.path("tie_word_embeddings").asBoolean(false) ? linear("lm_head.weight", null) : null;
            }
            default -> {
                for (int l = 0; l < layers; l++) ls.add(llamaLike(family, l, heads, kv, hd, offset));
                fin = new Norm(gain("model.norm.weight", offset), null);
                head = v.containsKey("lm_head.weight") && !cfg.path("tie_word_embeddings").asBoolean(offset) ? linear("lm_head.weight", null) : null;
            }
        }
        return new Net(ls, fin, head, rot, gelu, family.equals("cohere") || family.equals("llama4_text"), family.equals("olmo2"),
            family.equals("gpt_oss"), mla);
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
        String mlpNorm = family.equals("gemma2") || family.equals("gemma3_text") ? "pre_feedforward_layernorm.weight" : "post_attention_layernorm.weight";
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
        // OLMo 2 has no pre-norms (its norms follow the branches, which the sites never touch): identity
        boolean postNormsOnly = family.equals("olmo2");
        Norm identity = new Norm(ones(o.w.length), null);
        return new Layer(postNormsOnly ? identity : new Norm(gain(p + "input_layernorm.weight", offset), null), q, k, vv, o,
            qkGain(p + "self_attn.q_norm.weight", offset), qkGain(p + "self_attn.k_norm.weight", offset),
            postNormsOnly ? identity : new Norm(gain(p + mlpNorm, offset), null), router, experts, sharedGate);
    }

    /** A q/k norm gain, 1 + w for Gemma's offset norms; null when the family has none. */
    private double[] qkGain(String name, boolean offset) {
        return v.containsKey(name) ? gain(name, offset) : null;
    }

    private static double[] ones(int n) {
        double[] x = new double[n];
        java.util.Arrays.fill(x, 1);
        return x;
    }

    /** DeepSeek V3: latent attention; dense MLP below first_k_dense_replace, else router, routed experts and the ungated shared expert. */
    private Layer deepseek(int l, JsonNode cfg, List<Mla> mla) {
        String p = "model.layers." + l + ".";
        String a = p + "self_attn.";
        boolean qLora = v.containsKey(a + "q_a_proj.weight");
        mla.add(new Mla(qLora ? linear(a + "q_a_proj.weight", v.containsKey(a + "q_a_proj.bias") ? a + "q_a_proj.bias" : null) : null,
            qLora ? v.get(a + "q_a_layernorm.weight") : null,
            linear(a + (qLora ? "q_b_proj.weight" : "q_proj.weight"), null),
            linear(a + "kv_a_proj_with_mqa.weight", v.containsKey(a + "kv_a_proj_with_mqa.bias") ? a + "kv_a_proj_with_mqa.bias" : null),
            v.get(a + "kv_a_layernorm.weight"), linear(a + "kv_b_proj.weight", null),
            linear(a + "o_proj.weight", v.containsKey(a + "o_proj.bias") ? a + "o_proj.bias" : null),
            cfg.get("num_attention_heads").asInt(), cfg.get("qk_nope_head_dim").asInt(), cfg.get("qk_rope_head_dim").asInt(),
            cfg.get("v_head_dim").asInt(), cfg.get("kv_lora_rank").asInt()));
        List<Ffn> experts = new ArrayList<>();
        Linear router = null;
        if (v.containsKey(p + "mlp.gate_proj.weight")) {
            experts.add(new Ffn(linear(p + "mlp.gate_proj.weight", null), linear(p + "mlp.up_proj.weight", null), linear(p + "mlp.down_proj.weight", null)));
        } else {
            router = linear(p + "mlp.gate.weight", null);
            for (int x = 0; x < router.w.length; x++) {
                String ep = p + "mlp.experts." + x + ".";
                experts.add(new Ffn(linear(ep + "gate_proj.weight", null), linear(ep + "up_proj.weight", null), linear(ep + "down_proj.weight", null)));
            }
            String sp = p + "mlp.shared_experts.";
            experts.add(new Ffn(linear(sp + "gate_proj.weight", null), linear(sp + "up_proj.weight", null), linear(sp + "down_proj.weight", null)));
        }
        return new Layer(new Norm(v.get(p + "input_layernorm.weight"), null), new Linear[0], new Linear[0], new Linear[0], null, null, null,
            new Norm(v.get(p + "post_attention_layernorm.weight"), null), router, experts, null);
    }

    /** gpt-oss: biased q/k/v/o, a biased router, experts stored [in, out] with gate and up interleaved (even, odd) and biases. */
    private Layer gptOss(int l, int heads, int kv, int hd) {
        String p = "model.layers." + l + ".";
        Linear[] q = heads(mat(p + "self_attn.q_proj.weight"), v.get(p + "self_attn.q_proj.bias"), heads, hd);
        Linear[] k = heads(mat(p + "self_attn.k_proj.weight"), v.get(p + "self_attn.k_proj.bias"), kv, hd);
        Linear[] vv = heads(mat(p + "self_attn.v_proj.weight"), v.get(p + "self_attn.v_proj.bias"), kv, hd);
        Linear o = linear(p + "self_attn.o_proj.weight", v.containsKey(p + "self_attn.o_proj.bias") ? p + "self_attn.o_proj.bias" : null);
        Linear router = linear(p + "mlp.router.weight", p + "mlp.router.bias");
        List<Ffn> experts = new ArrayList<>();
        String ep = p + "mlp.experts.";
        for (int x = 0; x < router.w.length; x++) {
            double[][] gu = transpose(batch(ep + "gate_up_proj", x));
            double[] gub = vector(ep + "gate_up_proj_bias", x);
            int inter = gu.length / 2;
            double[][] g = new double[inter][], u = new double[inter][];
            double[] gb = new double[inter], ub = new double[inter];
            for (int i = 0; i < inter; i++) {
                g[i] = gu[2 * i];
                u[i] = gu[2 * i + 1];
                gb[i] = gub[2 * i];
                ub[i] = gub[2 * i + 1];
            }
            experts.add(new Ffn(new Linear(g, gb), new Linear(u, ub),
                new Linear(transpose(batch(ep + "down_proj", x)), vector(ep + "down_proj_bias", x))));
        }
        return new Layer(new Norm(v.get(p + "input_layernorm.weight"), null), q, k, vv, o, null, null,
            new Norm(v.get(p + "post_attention_layernorm.weight"), null), router, experts, null);
    }

    /**
     * Llama 4: llama attention names (biases optional), a dense feed_forward MLP, or a router with fused experts stored
     * [in, out] (gate_up_proj [experts, hidden, 2 · inter]: gate then up columns; down_proj [experts, inter, hidden]) and an
     * ungated shared expert. The router's σ scales the experts' input, which no site touches, so the blocks are the plain MLPs.
     */
    private Layer llama4(int l, int heads, int kv, int hd) {
        String p = "model.layers." + l + ".";
        String a = p + "self_attn.";
        Linear[] q = heads(mat(a + "q_proj.weight"), v.get(a + "q_proj.bias"), heads, hd);
        Linear[] k = heads(mat(a + "k_proj.weight"), v.get(a + "k_proj.bias"), kv, hd);
        Linear[] vv = heads(mat(a + "v_proj.weight"), v.get(a + "v_proj.bias"), kv, hd);
        Linear o = linear(a + "o_proj.weight", v.containsKey(a + "o_proj.bias") ? a + "o_proj.bias" : null);
        String f = p + "feed_forward.";
        List<Ffn> experts = new ArrayList<>();
        Linear router = null;
        if (v.containsKey(f + "gate_proj.weight")) {
            experts.add(new Ffn(linear(f + "gate_proj.weight", null), linear(f + "up_proj.weight", null), linear(f + "down_proj.weight", null)));
        } else {
            router = linear(f + "router.weight", null);
            for (int x = 0; x < router.w.length; x++) {
                double[][] gu = transpose(batch(f + "experts.gate_up_proj", x));
                int inter = gu.length / 2;
                experts.add(new Ffn(new Linear(rows(gu, 0, inter), null), new Linear(rows(gu, inter, 2 * inter), null),
                    new Linear(transpose(batch(f + "experts.down_proj", x)), null)));
            }
            String sp = f + "shared_expert.";
            experts.add(new Ffn(linear(sp + "gate_proj.weight", null), linear(sp + "up_proj.weight", null), linear(sp + "down_proj.weight", null)));
        }
        return new Layer(new Norm(v.get(p + "input_layernorm.weight"), null), q, k, vv, o, null, null,
            new Norm(v.get(p + "post_attention_layernorm.weight"), null), router, experts, null);
    }

    /** Expert {@code e}'s row of a batched [experts, n] tensor. */
    private double[] vector(String name, int e) {
        int n = (int) shapes.get(name)[1];
        return java.util.Arrays.copyOfRange(v.get(name), e * n, (e + 1) * n);
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
        // StableLM's qk_layernorm: one bias-free LayerNorm per head, each its own tensor (a zero bias makes qkNorm centre)
        double[] qn = perHead(p + "self_attn.q_layernorm.norms.", heads), kn = perHead(p + "self_attn.k_layernorm.norms.", kv);
        return new Layer(attn, q, k, vv, o, qn, kn, mlp, null, List.of(f), null, qn == null ? null : new double[qn.length],
            kn == null ? null : new double[kn.length]);
    }

    /** The per-head gains {@code prefix + h + ".weight"} concatenated, or null when head 0's is absent. */
    private double[] perHead(String prefix, int heads) {
        if (!v.containsKey(prefix + "0.weight")) return null;
        double[][] rows = new double[heads][];
        for (int h = 0; h < heads; h++) rows[h] = v.get(prefix + h + ".weight");
        return java.util.Arrays.stream(rows).flatMapToDouble(java.util.Arrays::stream).toArray();
    }

    /** Phi-1/2: one LayerNorm with bias feeds attention and fc1/fc2; dense output projection; optional per-head q/k LayerNorm. */
    private Layer phi(int l, int heads, int kv, int hd) {
        String p = "model.layers." + l + ".";
        Linear[] q = heads(mat(p + "self_attn.q_proj.weight"), v.get(p + "self_attn.q_proj.bias"), heads, hd);
        Linear[] k = heads(mat(p + "self_attn.k_proj.weight"), v.get(p + "self_attn.k_proj.bias"), kv, hd);
        Linear[] vv = heads(mat(p + "self_attn.v_proj.weight"), v.get(p + "self_attn.v_proj.bias"), kv, hd);
        Norm attn = new Norm(v.get(p + "input_layernorm.weight"), v.get(p + "input_layernorm.bias"));
        Ffn f = new Ffn(null, linear(p + "mlp.fc1.weight", p + "mlp.fc1.bias"), linear(p + "mlp.fc2.weight", p + "mlp.fc2.bias"));
        String qn = p + "self_attn.q_layernorm.", kn = p + "self_attn.k_layernorm.";
        return new Layer(attn, q, k, vv, linear(p + "self_attn.dense.weight", p + "self_attn.dense.bias"), v.get(qn + "weight"),
            v.get(kn + "weight"), attn, null, List.of(f), null, v.get(qn + "bias"), v.get(kn + "bias"));
    }

    /** Cohere: one bias-free LayerNorm feeds attention and the gated MLP; optional q/k LayerNorm with a gain row per head. */
    private Layer cohere(int l, int heads, int kv, int hd) {
        String p = "model.layers." + l + ".";
        Linear[] q = heads(mat(p + "self_attn.q_proj.weight"), v.get(p + "self_attn.q_proj.bias"), heads, hd);
        Linear[] k = heads(mat(p + "self_attn.k_proj.weight"), v.get(p + "self_attn.k_proj.bias"), kv, hd);
        Linear[] vv = heads(mat(p + "self_attn.v_proj.weight"), v.get(p + "self_attn.v_proj.bias"), kv, hd);
        Norm attn = new Norm(v.get(p + "input_layernorm.weight"), null);
        Ffn f = new Ffn(linear(p + "mlp.gate_proj.weight", null), linear(p + "mlp.up_proj.weight", null), linear(p + "mlp.down_proj.weight", null));
        double[] qn = v.get(p + "self_attn.q_norm.weight"), kn = v.get(p + "self_attn.k_norm.weight");
        // a zero bias makes qkNorm centre, as Cohere's LayerNorm does
        return new Layer(attn, q, k, vv, linear(p + "self_attn.o_proj.weight", v.containsKey(p + "self_attn.o_proj.bias") ? p + "self_attn.o_proj.bias" : null),
            qn, kn, attn, null, List.of(f), null, qn == null ? null : new double[qn.length], kn == null ? null : new double[kn.length]);
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
