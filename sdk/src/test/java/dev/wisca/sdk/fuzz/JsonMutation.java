package dev.wisca.sdk.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * One edit of a JSON file: structural (a node replaced by a hostile value, a key removed, an array
 * element duplicated, nulled) or textual (a byte flipped or replaced, the text cut). Positions are
 * reduced modulo what the document has, so every edit applies to every document.
 */
sealed interface JsonMutation {
    ObjectMapper JSON = new ObjectMapper();
    JsonNodeFactory NODES = JsonNodeFactory.instance;

    byte[] apply(byte[] json);

    /** Values that break careless readers: nulls, wrong types, 2^31, 2^63, NaN-like, huge, negative, deep. */
    List<JsonNode> HOSTILE = List.of(NODES.nullNode(), NODES.textNode(""), NODES.textNode("x\u0000\u001b"), NODES.numberNode(0),
        NODES.numberNode(-1), NODES.numberNode(1L << 31), NODES.numberNode(Long.MAX_VALUE), NODES.numberNode(Long.MIN_VALUE),
        NODES.numberNode(1e308), NODES.numberNode(-0.0), NODES.numberNode(0.5), NODES.numberNode(new java.math.BigInteger("1" + "0".repeat(40))),
        NODES.booleanNode(true), NODES.arrayNode(), NODES.objectNode(), NODES.arrayNode().addNull(), NODES.textNode("%s%n%-0s"),
        NODES.arrayNode().add(1L << 32).add(1L << 32).add(3), NODES.textNode("../../etc/passwd"), NODES.textNode("a".repeat(5000)));

    record Replace(int node, int value) implements JsonMutation {
        public byte[] apply(byte[] json) {
            return edit(json, (parent, key, index) -> {
                JsonNode v = HOSTILE.get(Math.floorMod(value, HOSTILE.size())).deepCopy();
                if (parent instanceof ObjectNode o) o.set(key, v);
                else ((ArrayNode) parent).set(index, v);
            }, node);
        }
    }

    record Remove(int node) implements JsonMutation {
        public byte[] apply(byte[] json) {
            return edit(json, (parent, key, index) -> {
                if (parent instanceof ObjectNode o) o.remove(key);
                else ((ArrayNode) parent).remove(index);
            }, node);
        }
    }

    record Duplicate(int node) implements JsonMutation {
        public byte[] apply(byte[] json) {
            return edit(json, (parent, key, index) -> {
                if (parent instanceof ArrayNode a) a.insert(index, a.get(index).deepCopy());
                else ((ObjectNode) parent).set(key + "_", parent.get(key).deepCopy());
            }, node);
        }
    }

    record SetByte(int position, byte value) implements JsonMutation {
        public byte[] apply(byte[] json) {
            if (json.length == 0) return json;
            byte[] out = json.clone();
            out[Math.floorMod(position, out.length)] = value;
            return out;
        }
    }

    record Cut(int keep) implements JsonMutation {
        public byte[] apply(byte[] json) { return Arrays.copyOf(json, Math.floorMod(keep, json.length + 1)); }
    }

    record DeepNesting(int depth) implements JsonMutation {
        public byte[] apply(byte[] json) {
            return ("[".repeat(depth) + new String(json, StandardCharsets.UTF_8) + "]".repeat(depth)).getBytes(StandardCharsets.UTF_8);
        }
    }

    static Arbitrary<List<JsonMutation>> mutations() {
        Arbitrary<Integer> anywhere = Arbitraries.integers();
        Arbitrary<Byte> jsonish = Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(4, Arbitraries.of("{}[]\":,0123456789-.eE \\nultrfa".chars().mapToObj(c -> (byte) c).toList())),
            net.jqwik.api.Tuple.of(1, Arbitraries.bytes()));
        Arbitrary<JsonMutation> one = Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(6, Combinators.combine(anywhere, anywhere).as(Replace::new)),
            net.jqwik.api.Tuple.of(3, anywhere.map(Remove::new)),
            net.jqwik.api.Tuple.of(2, anywhere.map(Duplicate::new)),
            net.jqwik.api.Tuple.of(2, Combinators.combine(anywhere, jsonish).as(SetByte::new)),
            net.jqwik.api.Tuple.of(1, anywhere.map(Cut::new)),
            net.jqwik.api.Tuple.of(1, Arbitraries.of(2000, 100_000).map(DeepNesting::new)));
        return one.list().ofMinSize(1).ofMaxSize(3);
    }

    interface Edit {
        void at(JsonNode parent, String key, int index);
    }

    /** Applies {@code edit} at the {@code which}-th node (depth first) of a parseable document; other text is left as is. */
    private static byte[] edit(byte[] json, Edit edit, int which) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (Exception e) {
            return json;
        }
        List<Object[]> slots = new ArrayList<>();
        collect(root, slots);
        if (slots.isEmpty()) return json;
        Object[] slot = slots.get(Math.floorMod(which, slots.size()));
        edit.at((JsonNode) slot[0], (String) slot[1], (Integer) slot[2]);
        try {
            return JSON.writeValueAsBytes(root);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void collect(JsonNode node, List<Object[]> slots) {
        if (node instanceof ObjectNode o) {
            for (Map.Entry<String, JsonNode> e : o.properties()) {
                slots.add(new Object[] {o, e.getKey(), -1});
                collect(e.getValue(), slots);
            }
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                slots.add(new Object[] {a, null, i});
                collect(a.get(i), slots);
            }
        }
    }
}
