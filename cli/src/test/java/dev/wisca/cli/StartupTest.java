package dev.wisca.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

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

    /**
     * The java launcher resolves every type in the signatures of Main's methods when it looks up main; a
     * picocli type there loads picocli (not in the AOT cache) on every start, --version and inspect included.
     */
    @Test
    void mainsMethodSignaturesNameNoPicocliType() {
        for (Method m : Main.class.getDeclaredMethods()) {
            List<Class<?>> types = new ArrayList<>(List.of(m.getParameterTypes()));
            types.add(m.getReturnType());
            for (Class<?> t : types) {
                Class<?> base = t.isArray() ? t.componentType() : t;
                assertFalse(base.getName().startsWith("picocli."), m + " names " + t.getName());
            }
        }
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
