package dev.wisca.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --device} and {@code --threads} are one mixin: the same vocabulary and checks in every command. */
class ComputeOptionsTest {
    @TempDir Path dir;

    @Test
    void everyComputingCommandRejectsAnUnknownDeviceTheSameWay() {
        String in = dir.resolve("in").toString();
        for (String[] args : new String[][] {
            {"rescale", in, dir.resolve("out").toString(), "--device", "tpu"},
            {"plan", in, dir.resolve("plan").toString(), "--device", "tpu"},
            {"watch", dir.toString(), "--once", "--device", "tpu"},
            {"verify", in, in, "--device", "tpu"}}) {
            Cli r = Cli.run(args);
            assertEquals(2, r.exitCode(), args[0] + ": " + r.err());
            assertTrue(r.err().contains("--device: unknown device 'tpu': choose one of cpu, scalar"), args[0] + ": " + r.err());
        }
    }

    @Test
    void threadsMustBePositiveAndVerifyRefusesThemInsteadOfIgnoringThem() {
        Cli zero = Cli.run("rescale", dir.resolve("in").toString(), dir.resolve("out").toString(), "--threads", "0");
        assertEquals(2, zero.exitCode(), zero.err());
        assertTrue(zero.err().contains("InvalidArgument: --threads must be between 1 and 4096, got 0"), zero.err());
        Cli verify = Cli.run("verify", dir.resolve("a").toString(), dir.resolve("b").toString(), "--threads", "2");
        assertEquals(2, verify.exitCode(), verify.err());
        assertTrue(verify.err().contains("--threads: verify's forward pass chooses its own threads"), verify.err());
    }
}
