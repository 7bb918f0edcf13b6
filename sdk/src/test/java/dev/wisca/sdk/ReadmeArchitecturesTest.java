package dev.wisca.sdk;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's architecture table must be what the shipped specs say; regenerate it from the message when this fails. */
class ReadmeArchitecturesTest {
    static final String BEGIN = "<!-- architectures:begin (generated from the specs; ReadmeArchitecturesTest keeps it in sync) -->\n";
    static final String END = "<!-- architectures:end -->";

    @Test
    void readmeTableMatchesTheShippedSpecs() throws Exception {
        Path readme = Path.of("..", "README.md");
        assertTrue(Files.exists(readme), "README.md at the repository root");
        String text = Files.readString(readme);
        int b = text.indexOf(BEGIN);
        int e = text.indexOf(END);
        assertTrue(b >= 0 && e > b, "README has the architectures markers");
        String table = text.substring(b + BEGIN.length(), e);
        assertEquals(SupportedArchitectures.markdownTable(), table,
            "README architectures table is stale; replace it with:\n" + SupportedArchitectures.markdownTable());
    }

    @Test
    void everySpecIsInTheTable() {
        String table = SupportedArchitectures.markdownTable();
        for (String t : SampleCheckpoints.modelTypes()) assertTrue(table.contains("| " + t + " |"), t);
    }
}
