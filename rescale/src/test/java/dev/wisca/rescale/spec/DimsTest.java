package dev.wisca.rescale.spec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DimsTest {
    static final SpecLibrary LIBRARY = SpecLibraryTest.LIBRARY;

    static JsonNode json(String s) {
        try {
            return SpecReader.mapper().readTree(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static Dims dims(String family, String config) {
        return Dims.resolve(LIBRARY.get(family).orElseThrow(), json(config));
    }

    @Test
    void inTestsWhetherAConfigListHoldsTheLayer() {
        String base = "\"hidden_size\": 64, \"num_attention_heads\": 4, \"num_hidden_layers\": 4, \"intermediate_size\": 8, \"vocab_size\": 8,"
            + " \"num_experts\": 4, \"num_experts_per_tok\": 2, \"moe_intermediate_size\": 8";
        String moe = "!(layer in mlp_only_layers) && (layer + 1) % sparse_step == 0";
        Dims listed = dims("qwen3_moe", "{" + base + ", \"mlp_only_layers\": [1, 3]}");
        assertEquals(java.util.List.of(true, false, true, false), java.util.stream.IntStream.range(0, 4).mapToObj(l -> listed.testAt(moe, l, "moe")).toList());
        Dims stepped = dims("qwen3_moe", "{" + base + ", \"decoder_sparse_step\": 2}");
        assertEquals(java.util.List.of(false, true, false, true), java.util.stream.IntStream.range(0, 4).mapToObj(l -> stepped.testAt(moe, l, "moe")).toList());
        assertTrue(dims("qwen3_moe", "{" + base + "}").testAt(moe, 2, "moe"), "an absent list holds nothing");
        WiscaException notAList = assertThrows(WiscaException.class,
            () -> dims("qwen3_moe", "{" + base + ", \"mlp_only_layers\": 1}").testAt(moe, 0, "moe"));
        assertEquals(ErrorKind.INVALID_CONFIG, notAList.kind());
        assertTrue(notAList.getMessage().contains("expected a list"), notAList.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Expr.parse("layer in 3"));
        assertEquals(1, Expr.parse("index + 1").eval(n -> 0), "a name starting with 'in' is a name");
    }

    @Test
    void headDimDefaultsToHiddenOverHeads() {
        Dims d = Dims.resolve(LIBRARY.get("llama").orElseThrow(), SpecLibraryTest.config("llama"));
        assertEquals(64, d.count("head_dim"));
        assertEquals(4, d.count("kv_heads"));
        assertEquals(22, d.count("layers"));
        assertEquals(64, d.rotaryDims());
        assertEquals(32, d.count("heads"), "TinyLlama");
    }

    @Test
    void explicitHeadDimWinsOverHiddenOverHeads() {
        Dims q = dims("qwen3", "{\"hidden_size\": 1024, \"num_attention_heads\": 16, \"num_key_value_heads\": 8, \"head_dim\": 128,"
            + "\"num_hidden_layers\": 28, \"intermediate_size\": 3072, \"vocab_size\": 151936, \"tie_word_embeddings\": true}");
        assertEquals(128, q.count("head_dim"));
        assertEquals(1, q.value("tied"));
        Dims g = Dims.resolve(LIBRARY.get("gemma").orElseThrow(), json("{\"hidden_size\": 3072, \"num_attention_heads\": 16, \"head_dim\": 256,"
            + "\"num_key_value_heads\": 16, \"num_hidden_layers\": 28, \"intermediate_size\": 24576, \"vocab_size\": 256000}"));
        assertEquals(256, g.count("head_dim"));
        assertEquals(1, g.value("tied"), "gemma ties embeddings by default");
        Dims nullHeadDim = dims("llama", "{\"hidden_size\": 64, \"num_attention_heads\": 4, \"head_dim\": null, \"num_hidden_layers\": 1,"
            + "\"intermediate_size\": 8, \"vocab_size\": 8}");
        assertEquals(16, nullHeadDim.count("head_dim"), "JSON null counts as absent");
        assertEquals(4, nullHeadDim.count("kv_heads"), "no num_key_value_heads: MHA");
    }

    @Test
    void rotaryFractionFromTopLevelOrRopeParameters() {
        String base = "\"hidden_size\": 256, \"num_attention_heads\": 4, \"num_hidden_layers\": 1, \"intermediate_size\": 8, \"vocab_size\": 8";
        assertEquals(64, dims("phi3", "{" + base + "}").rotaryDims());
        assertEquals(16, dims("phi3", "{" + base + ", \"partial_rotary_factor\": 0.25}").rotaryDims());
        assertEquals(32, dims("phi3", "{" + base + ", \"rope_parameters\": {\"rope_type\": \"default\", \"partial_rotary_factor\": 0.5}}").rotaryDims());
        assertEquals(16, Dims.resolve(LIBRARY.get("gpt_neox").orElseThrow(), SpecLibraryTest.config("gpt_neox")).rotaryDims(), "pythia rotary_pct 0.25 of 64");
        assertEquals(32, dims("gpt_neox", "{" + base + ", \"rope_parameters\": {\"partial_rotary_factor\": 0.5}}").rotaryDims());
        WiscaException odd = assertThrows(WiscaException.class, () -> dims("phi3", "{" + base + ", \"partial_rotary_factor\": 0.3}"));
        assertEquals(ErrorKind.INVALID_CONFIG, odd.kind());
    }

    @Test
    void falconKvHeadsFollowTheLayoutFlags() {
        assertEquals(1, Dims.resolve(LIBRARY.get("falcon").orElseThrow(), SpecLibraryTest.config("falcon")).count("kv_heads"), "falcon-7b multi-query");
        String base = "\"hidden_size\": 8192, \"num_attention_heads\": 128, \"num_hidden_layers\": 60, \"vocab_size\": 65024";
        Dims nd = dims("falcon", "{" + base + ", \"new_decoder_architecture\": true, \"num_kv_heads\": 8}");
        assertEquals(8, nd.count("kv_heads"));
        assertEquals(1, nd.value("two_ln"));
        assertEquals(0, dims("falcon", "{" + base + ", \"new_decoder_architecture\": true, \"num_kv_heads\": 8, \"num_ln_in_parallel_attn\": 1}").value("two_ln"));
        assertEquals(128, dims("falcon", "{" + base + ", \"multi_query\": false}").count("kv_heads"));
        assertEquals(0, dims("falcon", "{" + base + ", \"alibi\": true}").rotaryDims());
    }

    @Test
    void missingKeyIsAConfigErrorNamingTheKey() {
        WiscaException e = assertThrows(WiscaException.class, () -> dims("llama", "{\"hidden_size\": 64}"));
        assertEquals(ErrorKind.INVALID_CONFIG, e.kind());
        assertTrue(e.getMessage().contains("num_hidden_layers"), e.getMessage());
        WiscaException text = assertThrows(WiscaException.class, () -> dims("llama", "{\"num_hidden_layers\": \"two\"}"));
        assertTrue(text.getMessage().contains("num_hidden_layers") && text.getMessage().contains("string"), text.getMessage());
    }

    /** Llama 4's per-layer lists: membership ({@code layer in moe_layers}) and elements ({@code no_rope_layers[layer]}). */
    @Test
    void listValuedConfigKeysAreReadByMembershipAndElement() {
        String base = "{\"num_hidden_layers\": 4, \"hidden_size\": 32, \"num_attention_heads\": 4, \"intermediate_size\": 8,"
            + " \"intermediate_size_mlp\": 16, \"num_local_experts\": 2, \"num_experts_per_tok\": 1, \"vocab_size\": 10";
        Dims d = dims("llama4_text", base + ", \"moe_layers\": [1, 3], \"no_rope_layers\": [1, 1, true, 0]}");
        List<Integer> layers = List.of(0, 1, 2, 3);
        assertEquals(List.of(false, true, false, true), layers.stream().map(l -> d.testAt("layer in moe_layers", l, "t")).toList());
        assertEquals(List.of(true, false, true, false), layers.stream().map(l -> d.testAt("!(layer in moe_layers)", l, "t")).toList());
        String rope = "qk_l2_norm && no_rope_layers[layer]";
        assertEquals(List.of(true, true, true, false), layers.stream().map(l -> d.testAt(rope, l, "t")).toList());
        assertEquals(ErrorKind.INVALID_CONFIG, assertThrows(WiscaException.class, () -> d.testAt(rope, 4, "t")).kind(), "past the list");
        Dims notAList = dims("llama4_text", base + ", \"moe_layers\": 1, \"no_rope_layers\": [\"yes\"]}");
        assertEquals(ErrorKind.INVALID_CONFIG, assertThrows(WiscaException.class, () -> notAList.testAt("layer in moe_layers", 0, "t")).kind());
        assertEquals(ErrorKind.INVALID_CONFIG, assertThrows(WiscaException.class, () -> notAList.testAt(rope, 0, "t")).kind());
        Dims absent = dims("llama4_text", base + "}");
        assertFalse(absent.testAt("layer in moe_layers", 1, "t"), "an absent list holds nothing");
        WiscaException e = assertThrows(WiscaException.class, () -> absent.testAt(rope, 0, "t"));
        assertTrue(e.getMessage().contains("no_rope_layers"), e.getMessage());

        record Resolver(Map<String, double[]> lists) implements java.util.function.ToDoubleFunction<String>, Expr.Lists {
            public double applyAsDouble(String n) { return n.equals("l") ? 2 : 0; }
            public double[] list(String n) { return lists.get(n); }
        }
        Resolver r = new Resolver(Map.of("xs", new double[] {3, 5}));
        assertEquals(1, Expr.parse("l + 1 in xs && xs[l - 1] == 5").eval(r), "in binds like a comparison");
        assertEquals(0, Expr.parse("l in xs").eval(r));
        assertEquals(1, Expr.parse("!(l in xs)").eval(r));
        assertEquals(1, Expr.parse("xs[xs[0] - 3] == 3").eval(r));
    }

    @Test
    void expressionsFollowPrecedenceAndEvaluateOnlyTakenBranches() {
        Map<String, Double> names = Map.of("a", 6.0, "b", 4.0, "t", 1.0, "f", 0.0);
        java.util.function.ToDoubleFunction<String> look = n -> {
            Double v = names.get(n);
            if (v == null) throw new IllegalStateException("unknown " + n);
            return v;
        };
        assertEquals(22, Expr.parse("a + b * 4").eval(look));
        assertEquals(2.5, Expr.parse("(a + b) / 4").eval(look));
        assertEquals(1, Expr.parse("a > b && !f || missing").eval(look));
        assertEquals(6, Expr.parse("t ? a : missing").eval(look));
        assertEquals(4, Expr.parse("f ? missing : (t ? b : a)").eval(look));
        assertEquals(1, Expr.parse("a % b == 2").eval(look));
        assertEquals(-2, Expr.parse("-a + b").eval(look));
        assertEquals(1, Expr.parse("a >= 6 && b <= 4 && a != b").eval(look));
        assertThrows(IllegalArgumentException.class, () -> Expr.parse("a + "));
        assertThrows(IllegalArgumentException.class, () -> Expr.parse("a in"));
        assertThrows(IllegalArgumentException.class, () -> Expr.parse("list[a"));
        // lists need a resolver that knows them
        assertThrows(ArithmeticException.class, () -> Expr.parse("a in list").eval(look));
        assertThrows(IllegalArgumentException.class, () -> Expr.parse("(a"));
        assertThrows(IllegalArgumentException.class, () -> Expr.parse("a b"));
        assertThrows(IllegalArgumentException.class, () -> Expr.parse("t ? a"));
    }

    @Test
    void ropePairingsTieTheRightDims() {
        // rotate_half, rot 8 of 12: (0,4) (1,5) (2,6) (3,7), 8..11 free
        int[] half = {0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7};
        int[] inter = {0, 0, 1, 1, 2, 2, 3, 3, 4, 5, 6, 7};
        for (int d = 0; d < 12; d++) {
            assertEquals(half[d], RopePairing.ROTATE_HALF.channelOf(d, 8), "rotate_half " + d);
            assertEquals(inter[d], RopePairing.INTERLEAVED.channelOf(d, 8), "interleaved " + d);
        }
    }
}
