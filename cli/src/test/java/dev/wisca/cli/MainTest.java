package dev.wisca.cli;

import org.junit.jupiter.api.Test;

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
