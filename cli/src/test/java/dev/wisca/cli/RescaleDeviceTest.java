package dev.wisca.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wisca.sdk.SampleCheckpoints;
import java.io.IOException;
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

    @Test
    void unknownDeviceIsAUsageError() {
        Cli r = Cli.run("rescale", dir.resolve("in").toString(), dir.resolve("out").toString(), "--device", "tpu");
        assertEquals(2, r.exitCode(), r.out());
        assertTrue(r.err().contains("unknown device 'tpu': choose one of cpu, scalar, gpu, djl, djl-cpu"), r.err());
    }
}
