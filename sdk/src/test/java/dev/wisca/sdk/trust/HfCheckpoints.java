package dev.wisca.sdk.trust;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Tiny checkpoints written by transformers itself ({@code samples/python/hf_checkpoint.py}), so the specs
 * are checked against the tensor names transformers really saves. The interpreter comes from
 * {@code WISCA_PYTHON} (bin/test sets it to bin/python-env); without it, or without torch and
 * transformers there, the test fails saying so.
 */
public final class HfCheckpoints {
    static final Path SCRIPT = Path.of("..", "samples", "python", "hf_checkpoint.py").toAbsolutePath().normalize();

    private HfCheckpoints() {}

    /** Writes {@code out/<family>} for each family; {@code options} are passed on (--extra, --model-type). */
    public static void write(Path out, List<String> families, String... options) {
        String python = System.getenv("WISCA_PYTHON");
        assertTrue(python != null && !python.isBlank(), "WISCA_PYTHON is not set: run through bin/test, or set it to $(bin/python-env)");
        List<String> command = new ArrayList<>(List.of(python, SCRIPT.toString(), out.toString(), String.join(",", families)));
        command.addAll(List.of(options));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("hf_checkpoint.py did not finish in 300 s");
            }
            assertEquals(0, p.exitValue(), "hf_checkpoint.py failed (WISCA_PYTHON=" + python + " needs torch, transformers, safetensors):\n" + output);
        } catch (IOException e) {
            fail("cannot run WISCA_PYTHON=" + python + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
        }
        for (String f : families) assertTrue(Files.isRegularFile(out.resolve(f).resolve("model.safetensors")), f + " was not written");
    }
}
