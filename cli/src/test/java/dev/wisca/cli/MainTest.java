package dev.wisca.cli;

import dev.wisca.sdk.SampleCheckpoints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest {
    @Test
    void versionPrintsNameAndJava() {
        Cli r = Cli.run("--version");
        assertEquals(0, r.exitCode());
        assertTrue(r.out().startsWith("wisca "), r.out());
        assertTrue(r.out().contains("Java 25") || r.out().contains("Java 2"), r.out());
    }

    @Test
    void unknownOptionIsAUsageErrorWithOneLine() {
        Cli r = Cli.run("--frobnicate");
        assertEquals(ExitCodes.USER_ERROR, r.exitCode());
        assertTrue(r.err().startsWith("wisca: Unknown option: '--frobnicate'"), r.err());
        assertTrue(!r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    /** A JVM limit reached (here 16 KiB for buffers, which full verify's perturbed tensors need more of) is one line, exit 2. */
    @Test
    void runningOutOfMemoryIsOneLineNamingTheLimits(@TempDir Path dir) throws Exception {
        Path a = SampleCheckpoints.write("llama", dir.resolve("a"), 1);
        assertEquals(0, Cli.run("rescale", a.toString(), dir.resolve("b").toString(), "-q").exitCode());
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(Arrays.asList(Files.readString(Path.of("..", "bin", "jvm-flags")).trim().split("\\s+")));
        command.addAll(List.of("-XX:MaxDirectMemorySize=16k", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
            "verify", a.toString(), dir.resolve("b").toString()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(ExitCodes.USER_ERROR, p.waitFor(), printed);
        List<String> lines = printed.lines().filter(l -> !l.startsWith("WARNING")).toList();
        assertEquals(1, lines.size(), printed);
        assertTrue(lines.getFirst().startsWith("wisca: out of memory (") && lines.getFirst().contains("-XX:MaxDirectMemorySize"), printed);
    }

    @Test
    void helpListsSubcommandsAndExitCodes() {
        Cli r = Cli.run("--help");
        assertEquals(0, r.exitCode());
        assertTrue(r.out().contains("generate-completion") || r.out().contains("help"), r.out());
        assertTrue(r.out().contains("Exit codes:"), r.out());
    }

    @Test
    void completionScriptIsGenerated() {
        Cli r = Cli.run("generate-completion");
        assertEquals(0, r.exitCode());
        assertTrue(r.out().contains("complete -F"), r.out().substring(0, Math.min(200, r.out().length())));
    }
}
