package dev.wisca.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wisca.sdk.SampleCheckpoints;
import java.io.IOException;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.hf.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --device}: the DJL backend writes the same bytes as the CPU one; a missing GPU is a usage error. */
@Tag("slow")
class RescaleDeviceTest {
    @TempDir Path dir;

    @Test
    void djlDeviceWritesTheCpuBytes() throws IOException {
        Path in = SampleCheckpoints.write("llama", dir.resolve("in"), 5);
        String plan = dir.resolve("plan").toString();
        assertEquals(0, Cli.run("rescale", in.toString(), "--pairs", "qk,vo,updown", "--granularity", "channel", "--plan-only", plan).exitCode());
        for (String device : new String[] {"cpu", "djl"}) {
            Cli r = Cli.run("rescale", in.toString(), dir.resolve(device).toString(), "--apply", plan, "--device", device);
            assertEquals(0, r.exitCode(), r.err());
        }
        assertEquals(-1L, Files.mismatch(dir.resolve("cpu/model.safetensors"), dir.resolve("djl/model.safetensors")));
        assertTrue(Files.mismatch(in.resolve("model.safetensors"), dir.resolve("djl/model.safetensors")) >= 0, "rescaled");

        // solving on DJL too: power-of-two scales make the whole run byte for byte
        for (String device : new String[] {"cpu", "djl"}) {
            Cli r = Cli.run("rescale", in.toString(), dir.resolve(device + "-pow2").toString(), "--pow2", "--device", device);
            assertEquals(0, r.exitCode(), r.err());
        }
        assertEquals(-1L, Files.mismatch(dir.resolve("cpu-pow2/model.safetensors"), dir.resolve("djl-pow2/model.safetensors")));
    }

    @Test
    void gpuWithoutAGpuIsAUsageError() {
        Path in = SampleCheckpoints.write("llama", dir.resolve("in"), 5);
        Cli r = Cli.run("rescale", in.toString(), dir.resolve("out").toString(), "--device", "gpu");
        assertEquals(2, r.exitCode(), r.out());
        assertTrue(r.err().contains("InvalidArgument") && r.err().contains("no GPU visible to DJL's PyTorch engine; this build bundles the CPU native library"),
            r.err());
        assertFalse(Files.exists(dir.resolve("out/model.safetensors")), "nothing written");
    }

    /** watch takes the same settings record as rescale: the same device is refused the same way, before anything is touched. */
    @Test
    void watchRefusesAMissingGpuLikeRescale() throws IOException {
        Path ckpt = SampleCheckpoints.write("llama", dir.resolve("run/checkpoint-10"), 5);
        Files.writeString(ckpt.resolve("trainer_state.json"), "{\"global_step\": 10}");
        byte[] before = Files.readAllBytes(ckpt.resolve("model.safetensors"));
        Cli rescale = Cli.run("rescale", ckpt.toString(), dir.resolve("out").toString(), "--device", "gpu");
        Cli watch = Cli.run("watch", dir.resolve("run").toString(), "--once", "--poll", "0", "--device", "gpu");
        assertEquals(2, watch.exitCode(), watch.out());
        assertEquals(rescale.err(), watch.err(), "the same refusal");
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(ckpt.resolve("model.safetensors"))), "nothing rescaled");
        try (var files = Files.list(ckpt)) {
            assertFalse(files.anyMatch(f -> f.getFileName().toString().startsWith(".wisca")), "no marker, journal or staging");
        }

        // a device that runs here is honoured too: watching on the scalar reference writes what rescale writes on it
        Path pristine = SampleCheckpoints.write("llama", dir.resolve("pristine"), 5);
        Cli reference = Cli.run("rescale", pristine.toString(), dir.resolve("ref").toString(), "--device", "scalar", "--no-pow2");
        assertEquals(0, reference.exitCode(), reference.err());
        Cli scalar = Cli.run("watch", dir.resolve("run").toString(), "--once", "--poll", "0", "--device", "scalar", "--no-pow2");
        assertEquals(0, scalar.exitCode(), scalar.err());
        assertTrue(scalar.out().contains("rescaled"), scalar.out());
        // watch rewrites in place (the header keeps its length), rescale writes a new file: the tensors are what must agree
        try (Checkpoint ref = Checkpoint.open(dir.resolve("ref")); Checkpoint watched = Checkpoint.open(ckpt)) {
            for (TensorInfo t : ref.tensors()) {
                assertEquals(-1L, ref.tensor(t.name()).data().mismatch(watched.tensor(t.name()).data()), t.name());
            }
        }
    }

    @Test
    void unknownDeviceIsAUsageError() {
        Cli r = Cli.run("rescale", dir.resolve("in").toString(), dir.resolve("out").toString(), "--device", "tpu");
        assertEquals(2, r.exitCode(), r.out());
        assertTrue(r.err().contains("unknown device 'tpu': choose one of cpu, scalar, gpu, djl, djl-cpu"), r.err());
    }
}
