package dev.wisca.rescale.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A JVM started without the incubator module (bin/wisca's one-shot commands) knows the vector kernels'
 * lane counts from the VM and gives the bits this JVM, which has the module, gives: statistics and scaled
 * values of f32, bf16 and f16 matrices, in a child process started with the launcher's one-shot flags.
 */
class LanesTest {
    @Test
    void theLaneCountsAreTheIncubatorModulesOwn() throws ReflectiveOperationException {
        assertTrue(Lanes.VECTOR_API, "the tests run with --add-modules jdk.incubator.vector");
        assertEquals(VectorKernels.FS.vectorBitSize(), Lanes.preferredBits());
        assertEquals(VectorKernels.FS.length(), Lanes.FLOATS);
        assertEquals(VectorKernels.DS.length(), Lanes.DOUBLES);
        for (int n = 0; n < 200; n++) assertEquals(VectorKernels.FS.loopBound(n), Lanes.bodyLength(n), "body of " + n);
    }

    @Test
    void aJvmWithoutTheVectorApiGivesTheSameBits() throws IOException, InterruptedException {
        // the launcher's one-shot flags: bin/jvm-flags without the module (as bin/wisca strips it)
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        String launcher = Files.readString(Path.of("..", "bin", "jvm-flags")).trim();
        command.addAll(Arrays.asList(launcher.replace("--add-modules jdk.incubator.vector", "").trim().split("\\s+")));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), LanesProbe.class.getName()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, child.waitFor(), "the probe without the Vector API failed:\n" + output);
        assertFalse(output.contains("incubator"), "the probe ran with the incubator module:\n" + output);
        assertEquals(String.join("\n", LanesProbe.lines()), output.strip());
    }
}
