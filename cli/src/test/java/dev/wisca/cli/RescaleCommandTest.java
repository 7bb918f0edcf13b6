package dev.wisca.cli;

import dev.wisca.io.SafetensorsFile;
import dev.wisca.io.Tensor;
import dev.wisca.io.codec.Codecs;
import dev.wisca.sdk.SampleCheckpoints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RescaleCommandTest {
    @TempDir Path dir;

    static double l1(Tensor t) {
        var codec = Codecs.of(t.dtype());
        double s = 0;
        for (long i = 0; i < t.elementCount(); i++) s += Math.abs(codec.get(t.data(), i));
        return s;
    }

    static byte[] bytes(Path file, String tensor) {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            return f.tensor(tensor).data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        }
    }

    @Test
    void paperDefaultsBalanceQkAndVoL1PerLayerAndCopyTheRest() {
        Path in = SampleCheckpoints.write("llama", dir.resolve("in"), 7);
        Path out = dir.resolve("out");
        Cli r = Cli.run("rescale", in.toString(), out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(Files.exists(out.resolve("config.json")), "side files copied");
        try (SafetensorsFile before = SafetensorsFile.open(in.resolve("model.safetensors"));
             SafetensorsFile after = SafetensorsFile.open(out.resolve("model.safetensors"))) {
            for (int layer = 0; layer < 2; layer++) {
                String p = "model.layers." + layer + ".self_attn.";
                double q = l1(after.tensor(p + "q_proj.weight")), k = l1(after.tensor(p + "k_proj.weight"));
                double v = l1(after.tensor(p + "v_proj.weight")), o = l1(after.tensor(p + "o_proj.weight"));
                assertEquals(1.0, q / k, 1e-5, "Q/K balanced in layer " + layer);
                assertEquals(1.0, v / o, 1e-5, "V/O balanced in layer " + layer);
                // the paper's scalar: a = sqrt(|K|1 / |Q|1)
                double a = Math.sqrt(l1(before.tensor(p + "k_proj.weight")) / l1(before.tensor(p + "q_proj.weight")));
                assertEquals(a * l1(before.tensor(p + "q_proj.weight")), q, 1e-4 * q);
            }
            String untouched = "model.layers.0.mlp.down_proj.weight";
            assertArrayEquals(before.tensor(untouched).data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                after.tensor(untouched).data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void pow2RescaleUndoesBitExactly() {
        Path in = SampleCheckpoints.write("qwen2", dir.resolve("in"), 3);
        Cli r = Cli.run("rescale", in.toString(), dir.resolve("out").toString(), "--pairs", "qk,vo,updown",
            "--granularity", "kv-group", "--pow2", "--save-plan", dir.resolve("plan").toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("power-of-two"), r.out());
        Cli u = Cli.run("undo", dir.resolve("out").toString(), dir.resolve("plan").toString(), dir.resolve("back").toString());
        assertEquals(0, u.exitCode(), u.err());
        try (SafetensorsFile a = SafetensorsFile.open(in.resolve("model.safetensors"))) {
            for (var t : a.tensors()) {
                assertArrayEquals(bytes(in.resolve("model.safetensors"), t.name()),
                    bytes(dir.resolve("back/model.safetensors"), t.name()), t.name());
            }
        }
        assertTrue(!java.util.Arrays.equals(bytes(in.resolve("model.safetensors"), "model.layers.0.self_attn.q_proj.weight"),
            bytes(dir.resolve("out/model.safetensors"), "model.layers.0.self_attn.q_proj.weight")), "q was rescaled");
    }

    @Test
    void planOnlyThenApplyGivesTheSameBytesAsOneStep() {
        Path in = SampleCheckpoints.write("llama", dir.resolve("in"), 9);
        assertEquals(0, Cli.run("rescale", in.toString(), "--plan-only", dir.resolve("plan").toString()).exitCode());
        assertEquals(0, Cli.run("rescale", in.toString(), dir.resolve("a").toString(), "--apply", dir.resolve("plan").toString()).exitCode());
        assertEquals(0, Cli.run("rescale", in.toString(), dir.resolve("b").toString()).exitCode());
        String q = "model.layers.1.self_attn.q_proj.weight";
        assertArrayEquals(bytes(dir.resolve("a/model.safetensors"), q), bytes(dir.resolve("b/model.safetensors"), q));
    }

    @Test
    void unknownArchitectureSaysHowToPassASpec() throws Exception {
        Path in = SampleCheckpoints.write("llama", dir.resolve("in"), 1);
        Files.writeString(in.resolve("config.json"), "{\"model_type\": \"mamba\", \"architectures\": [\"MambaForCausalLM\"]}");
        Cli r = Cli.run("rescale", in.toString(), dir.resolve("out").toString());
        assertEquals(ExitCodes.USER_ERROR, r.exitCode());
        assertTrue(r.err().contains("UnknownArchitecture"), r.err());
        assertTrue(r.err().contains("--arch-spec"), r.err());
        assertTrue(!Files.exists(dir.resolve("out/model.safetensors")), "nothing written");
    }

    @Test
    void damagedPlanIsRejected() throws Exception {
        Path in = SampleCheckpoints.write("llama", dir.resolve("in"), 1);
        assertEquals(0, Cli.run("plan", in.toString(), dir.resolve("plan").toString()).exitCode());
        Path json = dir.resolve("plan/plan.json");
        Files.writeString(json, Files.readString(json).replaceFirst("\\{", "{\"surprise\": 1, "));
        Cli r = Cli.run("rescale", in.toString(), dir.resolve("out").toString(), "--apply", dir.resolve("plan").toString());
        assertEquals(ExitCodes.USER_ERROR, r.exitCode());
        assertTrue(r.err().contains("InvalidPlan"), r.err());
    }

    @Test
    void adapterNeedsLoraPairsAndBalancesRanks() {
        SampleCheckpoints.writeLora(dir.resolve("lora"), 5);
        Path adapter = dir.resolve("lora/adapter");
        Cli bad = Cli.run("rescale", adapter.toString(), dir.resolve("x").toString());
        assertEquals(ExitCodes.USER_ERROR, bad.exitCode());
        assertTrue(bad.err().contains("--pairs lora"), bad.err());
        Cli r = Cli.run("rescale", adapter.toString(), dir.resolve("balanced").toString(), "--pairs", "lora");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(Files.exists(dir.resolve("balanced/adapter_model.safetensors")));
        assertTrue(Files.exists(dir.resolve("balanced/adapter_config.json")));
    }

    @Test
    void loraRefactorKeepsBATimesAAndBalancesDirections() {
        SampleCheckpoints.writeLora(dir.resolve("lora"), 6);
        Path adapter = dir.resolve("lora/adapter");
        Cli r = Cli.run("rescale", adapter.toString(), dir.resolve("svd").toString(), "--lora-refactor");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("refactored "), r.out());
        try (SafetensorsFile before = SafetensorsFile.open(adapter.resolve("adapter_model.safetensors"));
             SafetensorsFile after = SafetensorsFile.open(dir.resolve("svd/adapter_model.safetensors"))) {
            int checked = 0;
            for (var t : before.tensors()) {
                if (!t.name().endsWith(".lora_A.weight")) continue;
                String bName = t.name().replace(".lora_A.weight", ".lora_B.weight");
                double[][] ba0 = product(before, bName, t.name());
                double[][] ba1 = product(after, bName, t.name());
                double scale = 0, diff = 0;
                for (int i = 0; i < ba0.length; i++) for (int j = 0; j < ba0[0].length; j++) {
                    scale = Math.max(scale, Math.abs(ba0[i][j]));
                    diff = Math.max(diff, Math.abs(ba0[i][j] - ba1[i][j]));
                }
                assertTrue(diff <= 1e-5 * scale, t.name() + ": BA changed by " + diff);
                // per rank direction i: |A'_i| (row) == |B'_i| (column), both L2
                double[][] a = matrix(after, t.name());
                double[][] b = matrix(after, bName);
                for (int i = 0; i < a.length; i++) {
                    double na = 0, nb = 0;
                    for (double v : a[i]) na += v * v;
                    for (double[] row : b) nb += row[i] * row[i];
                    assertEquals(Math.sqrt(na), Math.sqrt(nb), 1e-4 * Math.sqrt(na) + 1e-6, t.name() + " direction " + i);
                }
                checked++;
            }
            assertTrue(checked > 0);
        }
    }

    static double[][] matrix(SafetensorsFile f, String name) {
        var t = f.tensor(name);
        long[] s = t.shape();
        var codec = Codecs.of(t.dtype());
        double[][] m = new double[(int) s[0]][(int) s[1]];
        for (int i = 0; i < s[0]; i++) for (int j = 0; j < s[1]; j++) m[i][j] = codec.get(t.data(), i * s[1] + j);
        return m;
    }

    static double[][] product(SafetensorsFile f, String b, String a) {
        double[][] bm = matrix(f, b), am = matrix(f, a);
        double[][] p = new double[bm.length][am[0].length];
        for (int i = 0; i < bm.length; i++) for (int k = 0; k < am.length; k++) for (int j = 0; j < am[0].length; j++) p[i][j] += bm[i][k] * am[k][j];
        return p;
    }
}
