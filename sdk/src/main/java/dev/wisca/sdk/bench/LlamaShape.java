package dev.wisca.sdk.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wisca.io.Dtype;
import dev.wisca.io.TensorSpec;
import dev.wisca.rescale.spec.ArchSpec;
import dev.wisca.rescale.spec.ModelBinding;
import dev.wisca.rescale.spec.SpecLibrary;

import java.util.List;
import java.util.Set;

/**
 * The dimensions of a generated llama-style benchmark model. At full width it is a 1B-class layer
 * (hidden 2048, 16 heads, 4 KV heads, intermediate 5632, vocabulary 32000); smaller targets halve
 * every width until the embeddings and one layer fit, then layers are repeated up to the target.
 * Tensor names and shapes come from the built-in llama spec.
 */
public record LlamaShape(int hidden, int heads, int kvHeads, int intermediate, int vocab, int layers, Dtype dtype) {
    static final int FULL_HIDDEN = 2048;
    static final int MIN_HIDDEN = 64;

    /** The widest shape whose size is nearest {@code targetBytes} (at least one layer). */
    public static LlamaShape forSize(long targetBytes, Dtype dtype) {
        for (int hidden = FULL_HIDDEN; ; hidden /= 2) {
            LlamaShape one = ofWidth(hidden, 1, dtype);
            if (one.byteSize() <= targetBytes || hidden == MIN_HIDDEN) {
                long perLayer = ofWidth(hidden, 2, dtype).byteSize() - one.byteSize();
                long fixed = one.byteSize() - perLayer;
                long layers = Math.max(1, Math.round((double) (targetBytes - fixed) / perLayer));
                return ofWidth(hidden, Math.toIntExact(layers), dtype);
            }
        }
    }

    /** Proportions of the 1B-class layer at another width: 16 heads, 4 KV heads, inter = 2.75·hidden. */
    static LlamaShape ofWidth(int hidden, int layers, Dtype dtype) {
        return new LlamaShape(hidden, 16, 4, hidden * 11 / 4, hidden * 125 / 8, layers, dtype);
    }

    /** The Hugging Face config.json of this model. */
    public ObjectNode config() {
        ObjectNode c = JsonNodeFactory.instance.objectNode();
        c.put("model_type", "llama");
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("hidden_size", hidden);
        c.put("num_attention_heads", heads);
        c.put("num_key_value_heads", kvHeads);
        c.put("num_hidden_layers", layers);
        c.put("intermediate_size", intermediate);
        c.put("vocab_size", vocab);
        c.put("rms_norm_eps", 1e-5);
        c.put("rope_theta", 10000.0);
        c.put("tie_word_embeddings", false);
        c.put("torch_dtype", switch (dtype) {
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            case F64 -> "float64";
            default -> "float32";
        });
        return c;
    }

    /** One tensor to generate; norm gains get values near one, weights small centred values. */
    public record Member(TensorSpec spec, boolean normGain) {}

    /** The built-in llama spec, loaded once. */
    private static final class Llama {
        static final ArchSpec SPEC = SpecLibrary.builtin().get("llama").orElseThrow();
    }

    /** Every tensor of the model, as the llama spec names them. */
    public List<Member> tensors() {
        return ModelBinding.synthetic(Llama.SPEC, config(), Set.of()).tensors().entrySet().stream()
            .map(e -> new Member(new TensorSpec(e.getKey(), dtype, e.getValue().shape()), e.getValue().isNormGain()))
            .toList();
    }

    public long byteSize() { return tensors().stream().mapToLong(m -> m.spec().byteLength()).sum(); }

    @Override
    public String toString() {
        return "hidden " + hidden + ", " + heads + " heads, " + kvHeads + " KV heads, inter " + intermediate
            + ", vocab " + vocab + ", " + layers + " layers";
    }
}
