package dev.wisca.cli;

import dev.wisca.io.Dtype;
import dev.wisca.io.SafetensorsFile;
import dev.wisca.io.SafetensorsWriter;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.TensorSpec;
import dev.wisca.io.codec.Codecs;
import dev.wisca.sdk.SampleCheckpoints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Adam moments follow the weights: an element scaled by s gets m/s and v/s². */
class OptimizerStateTest {
    @TempDir Path dir;

    @Test
    void momentsAreDividedByTheScaleAndItsSquare() {
        Path in = SampleCheckpoints.write("llama", dir.resolve("in"), 4);
        String q = "model.layers.0.self_attn.q_proj.weight";
        String k = "model.layers.0.self_attn.k_proj.weight";
        String down = "model.layers.0.mlp.down_proj.weight";
        Path moments = in.resolve("optimizer.safetensors");   // beside the weights, as a training checkpoint keeps it
        List<TensorSpec> specs = new ArrayList<>();
        try (SafetensorsFile f = SafetensorsFile.open(in.resolve("model.safetensors"))) {
            for (String p : List.of(q, k, down)) {
                TensorInfo t = f.tensor(p).info();
                specs.add(new TensorSpec(p + ".exp_avg", Dtype.F32, t.shape()));
                specs.add(new TensorSpec(p + ".exp_avg_sq", Dtype.F32, t.shape()));
            }
        }
        Random random = new Random(1);
        try (SafetensorsWriter w = SafetensorsWriter.create(moments, specs); Arena arena = Arena.ofConfined()) {
            for (TensorSpec s : w.fileOrder()) {
                MemorySegment seg = arena.allocate(4 * s.elementCount());
                for (long i = 0; i < s.elementCount(); i++) Codecs.of(Dtype.F32).set(seg, i, random.nextDouble() + 0.5);
                w.write(s.name(), seg);
            }
            w.commit();
        }
        Path out = dir.resolve("out");
        Cli r = Cli.run("rescale", in.toString(), out.toString(), "--optimizer-state");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("4 moment tensors transformed"), r.out());

        try (SafetensorsFile w0 = SafetensorsFile.open(in.resolve("model.safetensors"));
             SafetensorsFile w1 = SafetensorsFile.open(out.resolve("model.safetensors"));
             SafetensorsFile m0 = SafetensorsFile.open(moments);
             SafetensorsFile m1 = SafetensorsFile.open(out.resolve("optimizer.safetensors"))) {
            var f32 = Codecs.of(Dtype.F32);
            for (String p : List.of(q, k, down)) {
                // the scale of this tensor, measured from the weights themselves (tensor-wise: one scalar)
                double s = f32.get(w1.tensor(p).data(), 3) / f32.get(w0.tensor(p).data(), 3);
                for (long i = 0; i < w0.tensor(p).elementCount(); i += 97) {
                    double m = f32.get(m0.tensor(p + ".exp_avg").data(), i);
                    double v = f32.get(m0.tensor(p + ".exp_avg_sq").data(), i);
                    assertEquals(m / s, f32.get(m1.tensor(p + ".exp_avg").data(), i), 1e-6 * Math.abs(m / s), p);
                    assertEquals(v / (s * s), f32.get(m1.tensor(p + ".exp_avg_sq").data(), i), 1e-6 * v / (s * s), p);
                }
                if (p.equals(down)) assertEquals(1.0, s, 0.0, "down_proj is not touched by qk,vo");
                else assertTrue(Math.abs(s - 1) > 0.05, p + " was scaled: " + s);
            }
        }
    }

    @Test
    void aFolderWithoutOptimizerStateIsRefused() {
        Path in = SampleCheckpoints.write("llama", dir.resolve("in"), 4);
        Path out = dir.resolve("out");
        Cli r = Cli.run("rescale", in.toString(), out.toString(), "--optimizer-state");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("InvalidArgument") && r.err().contains("no optimizer.pt"), r.err());
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void notATorchArchiveIsRefusedBeforeAnythingIsWritten() throws Exception {
        Path in = SampleCheckpoints.write("llama", dir.resolve("in"), 4);
        Files.writeString(in.resolve("optimizer.pt"), "not a zip");
        Path out = dir.resolve("out");
        Cli r = Cli.run("rescale", in.toString(), out.toString(), "--optimizer-state");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("InvalidOptimizerState") && r.err().contains("optimizer.pt"), r.err());
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void withoutTheFlagOutKeepsTheStateAndSaysSo() throws Exception {
        Path in = SampleCheckpoints.write("llama", dir.resolve("in"), 4);
        Files.write(in.resolve("optimizer.pt"), new byte[] {1, 2, 3});
        Path out = dir.resolve("out");
        Cli r = Cli.run("rescale", in.toString(), out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("without --optimizer-state"), r.err());
        assertTrue(java.util.Arrays.equals(new byte[] {1, 2, 3}, Files.readAllBytes(out.resolve("optimizer.pt"))), "carried unchanged");
    }
}
