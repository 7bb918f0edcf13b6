package dev.wisca.cli;

import dev.wisca.sdk.SampleCheckpoints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /**
     * A hand-typed {@code java -cp} with none of bin/jvm-flags: the statistics cannot know the vector
     * kernels' lane order (rescale's backend/cpu/Lanes), so the command refuses in one line naming the flag,
     * exit 2, before it writes anything (it was a stack trace from a worker thread).
     */
    @Test
    void aJvmWithoutTheFlagsRefusesInOneLineAndWritesNothing(@TempDir Path dir) throws Exception {
        Path in = SampleCheckpoints.write("llama", dir.resolve("in"), 4);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
            Main.class.getName(), "rescale", in.toString(), dir.resolve("out").toString())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(ExitCodes.USER_ERROR, p.waitFor(), err);
        assertEquals(List.of("wisca: InvalidArgument: this JVM was started without"
            + " --add-exports=java.base/jdk.internal.vm.vector=ALL-UNNAMED (or --add-modules jdk.incubator.vector), which the statistics"
            + " need to add in the vector kernels' order; bin/wisca, `java -jar wisca-cli.jar` and the Python package pass it"),
            List.of(err.split("\\R")));
        assertFalse(Files.exists(dir.resolve("out")));
        try (var left = Files.list(dir)) {
            assertEquals(List.of(dir.resolve("in")), left.toList(), "no temp folder left beside OUT");
        }
        assertTrue(Files.isRegularFile(in.resolve("model.safetensors")));
    }
}
