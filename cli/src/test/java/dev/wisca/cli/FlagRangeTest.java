package dev.wisca.cli;

import dev.wisca.sdk.SampleCheckpoints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Numeric flags out of range: one InvalidArgument line naming the flag and its range (once "wisca: null", or accepted). */
class FlagRangeTest {
    @TempDir Path dir;

    private static void assertRefused(String flag, String range, String... args) {
        Cli r = Cli.run(args);
        assertEquals(2, r.exitCode(), r.out() + r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("wisca: InvalidArgument: " + flag + " must be between " + range), r.err());
    }

    @Test
    void threadsOutsideOneTo4096() {
        Path in = SampleCheckpoints.write("llama", dir.resolve("in"), 1);
        for (String n : new String[] {"100000", "0", "-3"}) {
            assertRefused("--threads", "1 and 4096", "rescale", in.toString(), dir.resolve("out").toString(), "--threads", n);
            assertRefused("--threads", "1 and 4096", "plan", in.toString(), dir.resolve("plan").toString(), "--threads", n);
        }
        assertFalse(Files.exists(dir.resolve("out")));
    }

    @Test
    void verifyProbeSizesAndTolerances() {
        Path in = SampleCheckpoints.write("llama", dir.resolve("in"), 1);
        assertRefused("--tokens", "2 and 4096", "verify", in.toString(), in.toString(), "--tokens", "1000000000");
        assertRefused("--sequences", "1 and 1024", "verify", in.toString(), in.toString(), "--sequences", "0");
        assertRefused("--atol", "0 and ", "verify", in.toString(), in.toString(), "--atol", "Infinity");
        assertRefused("--rtol", "0 and ", "verify", in.toString(), in.toString(), "--rtol", "NaN");
    }

    @Test
    void serveThreadsSessionsAndPort() {
        assertRefused("--max-requests", "1 and 256", "serve", "--max-requests", "0");
        assertRefused("--max-sessions", "1 and ", "serve", "--max-sessions", "-1");
        assertRefused("--port", "0 and 65535", "serve", "--port", "70000");
    }

    @Test
    void pollThatIsNotAFiniteNumberOfSecondsUpToADay() throws Exception {
        Path trainer = Files.createDirectories(dir.resolve("trainer"));
        for (String s : new String[] {"NaN", "Infinity", "-1", "86401"}) {
            assertRefused("--poll", "0 and 86400", "watch", trainer.toString(), "--once", "--poll", s);
        }
    }
}
