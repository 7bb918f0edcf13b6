package dev.wisca.rescale.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.synth.TinyModel;
import dev.wisca.rescale.synth.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.net.URI;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpecLibraryTest {
    static final SpecLibrary LIBRARY = SpecLibrary.builtin();
    /** The families shipped, in file-name order (the folder is scanned). */
    static final List<String> SHIPPED = List.of("bert", "cohere", "deepseek_v3", "falcon", "gemma", "gemma2", "gemma3_text", "gpt2", "gpt_neox",
        "gpt_oss", "granite", "llama", "llama4_text", "mistral", "mixtral", "olmo2", "phi", "phi3", "qwen2", "qwen2_moe", "qwen3", "qwen3_moe", "roberta",
        "stablelm", "starcoder2");

    static JsonNode config(String family) {
        try (InputStream in = SpecLibraryTest.class.getResourceAsStream("/configs/" + family + ".json")) {
            return SpecReader.mapper().readTree(in);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void shipsEverySpecFileInTheFolder() {
        assertEquals(SHIPPED, LIBRARY.modelTypes());
        assertEquals("LORA", LIBRARY.lora().peftType());
        for (ArchSpec spec : LIBRARY.all()) assertTrue(spec.forward().isPresent(), spec.name() + " has forward rules");
    }

    @Test
    void scansTheSpecFolderInsideAJarToo(@TempDir Path dir) throws IOException {
        Path jar = dir.resolve("specs.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (String name : List.of("llama.json", "lora.json", "notes.txt")) {
                out.putNextEntry(new JarEntry("dev/wisca/rescale/specs/" + name));
                out.write(name.endsWith(".json") ? SpecLibrary.class.getResourceAsStream(SpecLibrary.RESOURCE_DIR + name).readAllBytes() : new byte[] {1});
                out.closeEntry();
            }
        }
        URL folder = URI.create("jar:" + jar.toUri() + "!/dev/wisca/rescale/specs/").toURL();
        Map<String, byte[]> files = ResourceFolder.jsonFiles(folder, dir);
        assertEquals(List.of("llama.json", "lora.json"), List.copyOf(files.keySet()));
        assertEquals(new String(SpecLibrary.class.getResourceAsStream(SpecLibrary.RESOURCE_DIR + "llama.json").readAllBytes(), StandardCharsets.UTF_8),
            new String(files.get("llama.json"), StandardCharsets.UTF_8));
    }

    @Test
    void rejectsForwardRulesNamingUnknownRolesOrKeys(@TempDir Path dir) throws IOException {
        String llama = builtinText("llama.json");
        WiscaException role = rejected(dir, llama.replace("\"mlp_norm\": [\"mlp_norm\", \"attn_norm\"]", "\"mlp_norm\": [\"ffn_norm\"]"));
        assertTrue(role.getMessage().contains("ffn_norm"), role.getMessage());
        WiscaException keys = rejected(dir, llama.replace("\"eps\": {\"key\"", "\"eps\": {\"keys\""));
        assertTrue(keys.getMessage().contains("'keys'") && keys.getMessage().contains("forward.eps"), keys.getMessage());
    }

    static String builtinText(String file) throws IOException {
        try (InputStream in = SpecLibrary.class.getResourceAsStream(SpecLibrary.RESOURCE_DIR + file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The INVALID_SPEC error of loading {@code text} as a user spec. */
    static WiscaException rejected(Path dir, String text) throws IOException {
        Path file = Files.writeString(dir.resolve("mine.json"), text);
        WiscaException e = assertThrows(WiscaException.class, () -> SpecLibrary.load(file));
        assertEquals(ErrorKind.INVALID_SPEC, e.kind(), e.getMessage());
        return e;
    }

    @Test
    void picksEveryFamilyByTheModelTypeOfItsRealConfig() {
        for (String family : SHIPPED) {
            JsonNode real = config(family);
            ArchSpec spec = LIBRARY.get(family).orElseThrow();
            TinyModel tiny = TinyModels.build(spec, spec.examples().keySet().iterator().next(), 1);
            assertEquals(family, LIBRARY.specFor(real).name(), family);
            ModelBinding.bind(spec, tiny.config(), tiny.infos());
            // without model_type: refused, even though architectures and the tensors would match
            ObjectNode noType = ((ObjectNode) tiny.config().deepCopy());
            noType.remove("model_type");
            assertEquals(ErrorKind.UNKNOWN_ARCHITECTURE, assertThrows(WiscaException.class, () -> LIBRARY.specFor(noType)).kind(), family);
            // real config dims resolve
            Dims dims = Dims.resolve(spec, real);
            assertTrue(dims.count("layers") > 0 && dims.count("head_dim") > 0, family);
        }
    }

    @Test
    void neverGuessesFromTensorNames() {
        ArchSpec phi3 = LIBRARY.get("phi3").orElseThrow();
        TinyModel tiny = TinyModels.build(phi3, "default", 3);
        ObjectNode bare = ((ObjectNode) tiny.config().deepCopy());
        bare.remove("model_type");
        bare.remove("architectures");
        WiscaException e = assertThrows(WiscaException.class, () -> LIBRARY.specFor(bare));
        assertEquals(ErrorKind.UNKNOWN_ARCHITECTURE, e.kind());
        assertEquals("phi3", LIBRARY.choosing(SpecChoice.family("phi3")).specFor(bare).name(), "an explicit choice binds it");
    }

    @Test
    void anUnknownFamilyForAsIsRefusedListingTheKnownOnes() {
        WiscaException e = assertThrows(WiscaException.class, () -> LIBRARY.choosing(SpecChoice.family("lama")));
        assertEquals(ErrorKind.UNKNOWN_ARCHITECTURE, e.kind());
        assertTrue(e.getMessage().contains("lama") && e.getMessage().contains("llama, "), e.getMessage());
    }

    @Test
    void unknownModelListsSupportedTypesAndTheArchSpecOption() {
        ObjectNode cfg = SpecReader.mapper().createObjectNode().put("model_type", "mamba");
        cfg.putArray("architectures").add("MambaForCausalLM");
        WiscaException e = assertThrows(WiscaException.class, () -> LIBRARY.specFor(cfg));
        assertEquals(ErrorKind.UNKNOWN_ARCHITECTURE, e.kind());
        assertTrue(e.getMessage().contains("mamba") && e.getMessage().contains("setting 'archSpec'") && e.getMessage().contains("setting 'as'")
            && e.getMessage().contains("qwen2_moe") && e.getMessage().contains("gpt_neox"), e.getMessage());
    }

    @Test
    void rejectsUnknownKeysNamingFileAndKey(@TempDir Path dir) throws IOException {
        String llama = new String(SpecLibrary.class.getResourceAsStream(SpecLibrary.RESOURCE_DIR + "llama.json").readAllBytes(), StandardCharsets.UTF_8);
        Path bad = dir.resolve("mine.json");
        Files.writeString(bad, llama.replace("\"norm\": \"rms\"", "\"norm\": \"rms\", \"input_space\": 1"));
        WiscaException e = assertThrows(WiscaException.class, () -> SpecLibrary.load(bad));
        assertEquals(ErrorKind.INVALID_SPEC, e.kind());
        assertTrue(e.getMessage().contains("mine.json") && e.getMessage().contains("input_space"), e.getMessage());
        Files.writeString(bad, llama.replace("\"rope\": true}", "\"rope\": true, \"grup\": 1}"));
        WiscaException nested = assertThrows(WiscaException.class, () -> SpecLibrary.load(bad));
        assertTrue(nested.getMessage().contains("grup") && nested.getMessage().contains("sites[0]"), nested.getMessage());
        Files.writeString(bad, llama.replace("\"heads * head_dim\", \"hidden\"]}", "\"heads * * head_dim\", \"hidden\"]}"));
        WiscaException syntax = assertThrows(WiscaException.class, () -> SpecLibrary.load(bad));
        assertTrue(syntax.getMessage().contains("tensors.q[0].shape"), syntax.getMessage());
        Files.writeString(bad, llama.replace("\"mul\": [\"up.rows\"", "\"mul\": [\"upp.rows\""));
        WiscaException ref = assertThrows(WiscaException.class, () -> SpecLibrary.load(bad));
        assertTrue(ref.getMessage().contains("upp"), ref.getMessage());
    }

    @Test
    void aChosenSpecFileBindsInsteadOfTheBuiltin(@TempDir Path dir) throws IOException {
        String llama = new String(SpecLibrary.class.getResourceAsStream(SpecLibrary.RESOURCE_DIR + "llama.json").readAllBytes(), StandardCharsets.UTF_8);
        Path mine = dir.resolve("mine.json");
        Files.writeString(mine, llama.replace("Llama 1-3", "my llama"));
        ArchSpec user = SpecLibrary.load(mine);
        TinyModel tiny = TinyModels.build(user, "default", 1);
        assertEquals(mine, LIBRARY.choosing(SpecChoice.file(mine)).specFor(tiny.config()).source());
    }

    @Test
    void unexpectedShapeFailsNamingTheTensor() {
        ArchSpec llama = LIBRARY.get("llama").orElseThrow();
        TinyModel tiny = TinyModels.build(llama, "default", 1);
        List<TensorInfo> infos = new ArrayList<>();
        for (TensorInfo t : tiny.infos()) {
            infos.add(t.name().equals("model.layers.1.self_attn.k_proj.weight")
                ? new TensorInfo(t.name(), Dtype.F32, new long[] {64, 64}, t.begin(), t.begin() + 64 * 64 * 4) : t);
        }
        WiscaException e = assertThrows(WiscaException.class, () -> ModelBinding.bind(llama, tiny.config(), infos));
        assertEquals(ErrorKind.INVALID_CONFIG, e.kind());
        assertTrue(e.getMessage().contains("model.layers.1.self_attn.k_proj.weight") && e.getMessage().contains("[32, 64]"), e.getMessage());
    }

    @Test
    void missingTensorFailsNamingIt() {
        ArchSpec llama = LIBRARY.get("llama").orElseThrow();
        TinyModel tiny = TinyModels.build(llama, "default", 1);
        List<TensorInfo> infos = tiny.infos().stream().filter(t -> !t.name().equals("model.layers.0.mlp.up_proj.weight")).toList();
        WiscaException e = assertThrows(WiscaException.class, () -> ModelBinding.bind(llama, tiny.config(), infos));
        assertEquals(ErrorKind.TENSOR_NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains("model.layers.0.mlp.up_proj.weight"), e.getMessage());
    }

    @Test
    void gpt2BindsWithAndWithoutTransformerPrefix() {
        ArchSpec gpt2 = LIBRARY.get("gpt2").orElseThrow();
        TinyModel tiny = TinyModels.build(gpt2, "default", 1);
        assertTrue(tiny.byName().containsKey("transformer.h.0.attn.c_attn.weight"));
        List<TensorInfo> old = tiny.infos().stream()
            .map(t -> new TensorInfo(t.name().replaceFirst("^transformer\\.", ""), t.dtype(), t.shape(), t.begin(), t.end())).toList();
        ModelBinding b = ModelBinding.bind(gpt2, tiny.config(), old);
        assertEquals("h.1.attn.c_attn.weight", b.tensorName("qkv", 1, 0).orElseThrow());
        assertEquals("wte.weight", b.tensorName("embed", -1, 0).orElseThrow());
    }

    @Test
    void everyExampleBindsToItsOwnTensors() {
        for (ArchSpec spec : LIBRARY.all()) {
            for (String ex : spec.examples().keySet()) {
                TinyModel tiny = TinyModels.build(spec, ex, 2);
                ModelBinding b = ModelBinding.bind(spec, tiny.config(), tiny.infos());
                assertEquals(tiny.tensors().size(), b.tensors().size(), spec.name() + "/" + ex);
            }
        }
    }

    @Test
    void findsAFamilyByItsOwnFileAsTheScanDoes() {
        for (String family : SHIPPED) {
            SpecLibrary fresh = SpecLibrary.builtin();
            ArchSpec alone = fresh.get(family).orElseThrow();   // before any scan: read from <family>.json
            assertEquals(family, alone.name());
            assertEquals(Path.of("builtin", "specs", family + ".json"), alone.source());
            assertEquals(LIBRARY.get(family).orElseThrow().source(), alone.source());
            assertEquals(LIBRARY.get(family).orElseThrow().roles(), alone.roles());
            assertTrue(fresh.all().contains(alone), family + ": the scan keeps the spec already read");
        }
    }

    @Test
    void aModelTypeWithoutItsFileIsUnknownWithOrWithoutTheScan() {
        for (String unknown : List.of("llama5", "../specs/llama", "Llama", "lora", "")) {
            assertTrue(SpecLibrary.builtin().get(unknown).isEmpty(), unknown);
            SpecLibrary scanned = SpecLibrary.builtin();
            scanned.modelTypes();
            assertTrue(scanned.get(unknown).isEmpty(), unknown);
        }
        WiscaException e = assertThrows(WiscaException.class, () -> SpecLibrary.builtin().specFor(((ObjectNode) config("llama").deepCopy())
            .put("model_type", "llama5")));
        assertEquals(ErrorKind.UNKNOWN_ARCHITECTURE, e.kind());
        assertTrue(e.getMessage().contains("known families: " + String.join(", ", SHIPPED)), e.getMessage());
    }
}
