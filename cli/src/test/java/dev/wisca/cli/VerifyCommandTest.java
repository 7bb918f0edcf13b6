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
    void missingCheckpointIsAUsageError() {
        Cli r = Cli.run("verify", dir.resolve("a").toString(), dir.resolve("b").toString());
        assertEquals(ExitCodes.USER_ERROR, r.exitCode());
    }
}
