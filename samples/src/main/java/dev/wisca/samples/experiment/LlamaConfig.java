package dev.wisca.samples.experiment;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Dimensions of the tiny llama-style decoder (byte vocabulary), and its Hugging Face config.json. */
public record LlamaConfig(int vocab, int hidden, int layers, int heads, int kvHeads, int intermediate,
                          double ropeTheta, double rmsEps, int maxPositions) {
    public LlamaConfig {
        if (hidden % heads != 0) throw new IllegalArgumentException("hidden " + hidden + " is not a multiple of heads " + heads);
        if (heads % kvHeads != 0) throw new IllegalArgumentException("heads " + heads + " is not a multiple of kv heads " + kvHeads);
        if ((hidden / heads) % 2 != 0) throw new IllegalArgumentException("RoPE needs an even head dim");
    }

    public int headDim() { return hidden / heads; }

    public int groupSize() { return heads / kvHeads; }

    /** config.json as transformers' LlamaForCausalLM reads it (untied lm_head, no biases). */
    public ObjectNode toHfConfig() {
        ObjectNode c = JsonNodeFactory.instance.objectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", "llama");
        c.put("vocab_size", vocab);
        c.put("hidden_size", hidden);
        c.put("intermediate_size", intermediate);
        c.put("num_hidden_layers", layers);
        c.put("num_attention_heads", heads);
        c.put("num_key_value_heads", kvHeads);
        c.put("head_dim", headDim());
        c.put("hidden_act", "silu");
        c.put("max_position_embeddings", maxPositions);
        c.put("rms_norm_eps", rmsEps);
        c.put("rope_theta", ropeTheta);
        c.put("attention_bias", false);
        c.put("mlp_bias", false);
        c.put("tie_word_embeddings", false);
        c.put("initializer_range", 0.02);
        c.put("torch_dtype", "float32");
        c.put("bos_token_id", 2);
        c.put("eos_token_id", 3);
        return c;
    }
}
