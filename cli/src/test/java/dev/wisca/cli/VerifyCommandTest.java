package dev.wisca.cli;

import dev.wisca.io.SafetensorsFile;
import dev.wisca.io.SafetensorsWriter;
import dev.wisca.io.TensorSpec;
import dev.wisca.io.codec.Codecs;
import dev.wisca.sdk.SampleCheckpoints;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("slow")
class VerifyCommandTest {
    @TempDir Path dir;

    /** A copy of {@code in} whose tensor {@code name} is multiplied by {@code factor}: a deliberately wrong transform. */
    static Path tampered(Path in, Path out, String name, double factor) throws IOException {
        Files.createDirectories(out);
        Files.copy(in.resolve("config.json"), out.resolve("config.json"));
        try (SafetensorsFile f = SafetensorsFile.open(in.resolve("model.safetensors"));
             SafetensorsWriter w = SafetensorsWriter.create(out.resolve("model.safetensors"),
                 f.tensors().stream().map(TensorSpec::of).toList());
             Arena arena = Arena.ofConfined()) {
            for (TensorSpec s : w.fileOrder()) {
                MemorySegment src = f.tensor(s.name()).data();
                if (!s.name().equals(name)) {
                    w.write(s.name(), src);
                    continue;
                }
                MemorySegment copy = arena.allocate(src.byteSize());
                var codec = Codecs.of(s.dtype());
                for (long i = 0; i < s.elementCount(); i++) codec.set(copy, i, codec.get(src, i) * factor);
                w.write(s.name(), copy);
            }
            w.commit();
        }
        return out;
    }

    @Test
    void rescaledCheckpointIsEquivalentInBothModes() {
        Path in = SampleCheckpoints.write("llama", dir.resolve("in"), 2);
        assertEquals(0, Cli.run("rescale", in.toString(), dir.resolve("out").toString(), "--pairs", "qk,vo,updown,norm",
            "--granularity", "channel").exitCode());
        Cli full = Cli.run("verify", in.toString(), dir.resolve("out").toString());
        assertEquals(0, full.exitCode(), full.out() + full.err());
        assertTrue(full.out().startsWith("EQUIVALENT (full"), full.out());
        Cli probes = Cli.run("verify", in.toString(), dir.resolve("out").toString(), "--probes-only", "--json");
        assertEquals(0, probes.exitCode(), probes.out() + probes.err());
        assertTrue(probes.out().contains("\"equivalent\" : true") || probes.out().contains("\"equivalent\":true"), probes.out());
    }

    @Test
    void identicalCheckpointsDifferByExactlyZero() {
        Path in = SampleCheckpoints.write("qwen2", dir.resolve("in"), 2);
        Cli r = Cli.run("verify", in.toString(), in.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("max abs 0"), r.out());
    }

    @Test
    void aScaledGateIsCaughtAndNamedWithExitCode1() throws IOException {
        Path in = SampleCheckpoints.write("llama", dir.resolve("in"), 2);
        Path bad = tampered(in, dir.resolve("bad"), "model.layers.1.mlp.gate_proj.weight", 1.5);
        Cli probes = Cli.run("verify", in.toString(), bad.toString(), "--probes-only");
        assertEquals(ExitCodes.CHECK_FAILED, probes.exitCode(), probes.out());
        assertTrue(probes.out().startsWith("NOT EQUIVALENT"), probes.out());
        assertTrue(probes.out().contains("layers.1"), probes.out());
        Cli full = Cli.run("verify", in.toString(), bad.toString());
        assertEquals(ExitCodes.CHECK_FAILED, full.exitCode(), full.out());
    }

    @Test
    void bf16DownProjTimes1Point5IsCaughtInFullModeWithTheMeasuredToleranceStated() throws IOException {
        Path f32 = SampleCheckpoints.write("llama", dir.resolve("f32"), 2);
        Path in = dir.resolve("bf16");
        assertEquals(0, Cli.run("reshard", f32.toString(), in.toString(), "--dtype", "bf16").exitCode());
        Path bad = tampered(in, dir.resolve("bad"), "model.layers.0.mlp.down_proj.weight", 1.5);
        Cli full = Cli.run("verify", in.toString(), bad.toString());
        assertEquals(ExitCodes.CHECK_FAILED, full.exitCode(), full.out() + full.err());
        assertTrue(full.out().contains("tolerance: logits: measured"), full.out());
        Cli json = Cli.run("verify", in.toString(), bad.toString(), "--json");
        assertEquals(ExitCodes.CHECK_FAILED, json.exitCode(), json.out() + json.err());
        assertTrue(json.out().contains("\"tolerance_measured\"") && json.out().contains("\"rounding_deviation\""), json.out());
    }

    @Test
    void aTensorTheForwardPassNeverReadsIsRefusedWithExit2() throws IOException {
        Path in = SampleCheckpoints.write("llama", dir.resolve("in"), 2);
        Path extra = dir.resolve("extra");
        Files.createDirectories(extra);
        Files.copy(in.resolve("config.json"), extra.resolve("config.json"));
        try (SafetensorsFile f = SafetensorsFile.open(in.resolve("model.safetensors"))) {
            var specs = new java.util.ArrayList<>(f.tensors().stream().map(TensorSpec::of).toList());
            specs.add(new TensorSpec("model.layers.0.input_layernorm.bias", dev.wisca.io.Dtype.F32, new long[] {64}));
            try (SafetensorsWriter w = SafetensorsWriter.create(extra.resolve("model.safetensors"), specs); Arena arena = Arena.ofConfined()) {
                for (TensorSpec s : w.fileOrder()) {
                    w.write(s.name(), f.find(s.name()).map(t -> t.data()).orElseGet(() -> arena.allocate(4L * 64)));
                }
                w.commit();
            }
        }
        Cli r = Cli.run("verify", in.toString(), extra.toString());
        assertEquals(ExitCodes.USER_ERROR, r.exitCode(), r.out() + r.err());
        assertTrue(r.err().contains("UnclaimedTensor") && r.err().contains("model.layers.0.input_layernorm.bias"), r.err());
    }

    @Test
    void missingCheckpointIsAUsageError() {
        Cli r = Cli.run("verify", dir.resolve("a").toString(), dir.resolve("b").toString());
        assertEquals(ExitCodes.USER_ERROR, r.exitCode());
    }
}
