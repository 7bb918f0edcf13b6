package dev.wisca.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("slow")
class DemoCommandTest {
    @TempDir Path dir;

    @Test
    void demoRescalesVerifiesAndUndoes() {
        Cli r = Cli.run("demo", "--dir", dir.toString());
        assertEquals(0, r.exitCode(), r.out() + r.err());
        assertEquals(3, r.out().lines().filter(l -> l.strip().startsWith("EQUIVALENT")).count(), r.out());
        for (String d : new String[] {"original", "rescaled", "restored"}) {
            assertTrue(Files.exists(dir.resolve(d).resolve("model.safetensors")), d);
            assertTrue(Files.exists(dir.resolve(d).resolve("config.json")), d);
        }
        assertTrue(Files.exists(dir.resolve("plan/plan.json")));
    }
}
