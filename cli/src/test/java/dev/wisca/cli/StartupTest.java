package dev.wisca.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The start-time shortcuts change nothing users see: a run builds only its subcommand, and --version skips picocli. */
class StartupTest {
    private static final Set<String> ALL = Set.of("inspect", "stats", "plan", "rescale", "undo", "verify", "report",
        "reshard", "watch", "serve", "demo", "bench", "help", "generate-completion");

    @Test
    void aRunBuildsOnlyTheSubcommandItNames() {
        PrintWriter sink = new PrintWriter(new StringWriter());
        assertEquals(Set.of("inspect"), CommandLines.forArgs(new String[] {"inspect", "x"}, sink, sink).getSubcommands().keySet());
        assertEquals(Set.of(), CommandLines.forArgs(new String[] {"--version"}, sink, sink).getSubcommands().keySet());
        assertEquals(ALL, CommandLines.forArgs(new String[] {"--help"}, sink, sink).getSubcommands().keySet());
        assertEquals(ALL, CommandLines.forArgs(new String[] {"help", "rescale"}, sink, sink).getSubcommands().keySet());
        assertEquals(ALL, CommandLines.forArgs(new String[] {"rescal"}, sink, sink).getSubcommands().keySet());
        assertEquals(ALL, CommandLines.forArgs(new String[0], sink, sink).getSubcommands().keySet());
        assertEquals(ALL, CommandLines.all(sink, sink).getSubcommands().keySet());
    }

    @Test
    void versionInAProcessPrintsWhatPicocliPrints() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"), Main.class.getName(), "--version")
            .redirectErrorStream(true).start();
        String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), printed);
        StringWriter out = new StringWriter();
        PrintWriter w = new PrintWriter(out, true);
        assertEquals(0, CommandLines.all(w, w).execute("--version"));
        assertEquals(List.of(out.toString().split("\\R")), List.of(printed.split("\\R")));
    }
}
