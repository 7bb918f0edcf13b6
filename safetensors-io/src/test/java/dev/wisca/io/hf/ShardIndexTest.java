package dev.wisca.io.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardIndexTest {
    @TempDir Path dir;

    /** Expected text typed out as Python's json.dumps(index, indent=2, sort_keys=True) + "\n" prints it. */
    @Test
    void writesTransformersFormat() {
        Map<String, String> map = new LinkedHashMap<>();
        map.put("model.norm.weight", "model-00002-of-00002.safetensors");
        map.put("lm_head.weight", "model-00002-of-00002.safetensors");
        map.put("model.embed_tokens.weight", "model-00001-of-00002.safetensors");
        String json = new ShardIndex(map, OptionalLong.of(1234), OptionalLong.of(617)).toJson();
        assertEquals("""
            {
              "metadata": {
                "total_parameters": 617,
                "total_size": 1234
              },
              "weight_map": {
                "lm_head.weight": "model-00002-of-00002.safetensors",
                "model.embed_tokens.weight": "model-00001-of-00002.safetensors",
                "model.norm.weight": "model-00002-of-00002.safetensors"
              }
            }
            """, json);
    }

    @Test
    void escapesLikePythonEnsureAscii() {
        String json = new ShardIndex(Map.of("é\"\\\n\u007f\uD83D\uDE00", "s.safetensors"), OptionalLong.empty(), OptionalLong.empty()).toJson();
        assertEquals("""
            {
              "metadata": {},
              "weight_map": {
                "\\u00e9\\"\\\\\\n\\u007f\\ud83d\\ude00": "s.safetensors"
              }
            }
            """, json);
    }

    @Test
    void readsWhatItWritesAndSortsByCodePoint() throws Exception {
        Path file = dir.resolve("model.safetensors.index.json");
        ShardIndex index = new ShardIndex(Map.of("b", "2.safetensors", "a", "1.safetensors", "\uD83D\uDE00", "1.safetensors", "\uFFFD", "2.safetensors"),
            OptionalLong.of(10), OptionalLong.of(5));
        index.write(file);
        ShardIndex read = ShardIndex.read(file);
        assertEquals(index, read);
        assertEquals(List.of("a", "b", "\uFFFD", "\uD83D\uDE00"), List.copyOf(read.weightMap().keySet()));
        assertEquals(List.of("model.safetensors.index.json"), List.of(dir.toFile().list()));
    }

    @Test
    void metadataIsOptional() throws Exception {
        assertEquals(new ShardIndex(Map.of("a", "x.safetensors"), OptionalLong.empty(), OptionalLong.empty()),
            read("{\"weight_map\":{\"a\":\"x.safetensors\"}}"));
        assertEquals(new ShardIndex(Map.of("a", "x.safetensors"), OptionalLong.empty(), OptionalLong.of(7)),
            read("{\"metadata\":{\"total_size\":\"big\",\"total_parameters\":7,\"other\":[1]},\"weight_map\":{\"a\":\"x.safetensors\"}}"));
        assertEquals(new ShardIndex(Map.of("a", "x.safetensors"), OptionalLong.empty(), OptionalLong.empty()),
            read("{\"metadata\":null,\"weight_map\":{\"a\":\"x.safetensors\"}}"));
    }

    @Test
    void rejectsMalformedIndexes() {
        for (String bad : List.of("", "[]", "{", "{\"weight_map\":[]}", "{\"metadata\":{}}", "{\"weight_map\":{\"a\":1}}",
            "{\"weight_map\":{\"a\":\"../x.safetensors\"}}", "{\"weight_map\":{\"a\":\"sub/x.safetensors\"}}",
            "{\"weight_map\":{\"a\":\"x\",\"a\":\"y\"}}", "{\"weight_map\":{}} trailing")) {
            WiscaException e = assertThrows(WiscaException.class, () -> read(bad), bad);
            assertEquals(ErrorKind.INVALID_INDEX, e.kind(), bad);
        }
    }

    private ShardIndex read(String text) throws Exception {
        Path file = dir.resolve("index.json");
        Files.writeString(file, text);
        return ShardIndex.read(file);
    }
}
