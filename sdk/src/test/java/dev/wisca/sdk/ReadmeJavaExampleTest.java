package dev.wisca.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wisca.io.hf.Checkpoint;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README's "Java API" example, as written: its {@code java} block is compiled with javax.tools against this
 * module's classpath and run on a generated tiny llama (its {@code Path.of("x")} read as paths in a
 * temporary folder). It must print EQUIVALENT and restore the original tensors bit for bit.
 */
class ReadmeJavaExampleTest {
    @TempDir Path dir;

    @Test
    void theReadmeJavaExampleCompilesAndRuns() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        Matcher block = Pattern.compile("## Java API\\s+```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertTrue(block.find(), "README has a ## Java API section opening with a java block");
        List<String> imports = new ArrayList<>();
        StringBuilder body = new StringBuilder();
        for (String line : block.group(1).split("\n")) {
            if (line.startsWith("import ")) imports.add(line);
            else body.append(line.replace("Path.of(\"", "dir.resolve(\"")).append('\n');
        }
        String source = String.join("\n", imports) + "\n\npublic class ReadmeExample {\n"
            + "    public static void run(java.nio.file.Path dir) throws Exception {\n" + body + "    }\n}\n";
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("ReadmeExample.java"), source);
        Path classes = Files.createDirectories(dir.resolve("classes"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, diagnostics, diagnostics, "-classpath", System.getProperty("java.class.path"),
            "-d", classes.toString(), src.resolve("ReadmeExample.java").toString());
        assertEquals(0, rc, "README's Java example does not compile:\n" + diagnostics + "\n" + source);

        Path work = Files.createDirectories(dir.resolve("work"));
        Path original = SampleCheckpoints.write("llama", work.resolve("Llama-3.2-1B"), 3);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        try (URLClassLoader loader = new URLClassLoader(new java.net.URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            loader.loadClass("ReadmeExample").getMethod("run", Path.class).invoke(null, work);
        } finally {
            System.setOut(stdout);
        }
        String out = printed.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("EQUIVALENT"), out);
        assertTrue(Files.isDirectory(work.resolve("plan")), "the plan was saved");
        try (Checkpoint a = Checkpoint.open(original); Checkpoint b = Checkpoint.open(work.resolve("restored"));
             Checkpoint r = Checkpoint.open(work.resolve("Llama-3.2-1B-wisca"))) {
            boolean changed = false;
            for (var t : a.tensors()) {
                changed |= a.tensor(t.name()).data().mismatch(r.tensor(t.name()).data()) != -1;
                double maxDiff = maxAbsDiff(a, b, t.name());
                assertTrue(maxDiff <= 1e-6 * Math.max(1, maxAbs(a, t.name())), t.name() + " restored within rounding: " + maxDiff);
            }
            assertTrue(changed, "the example rescaled something");
        }
    }

    private static double maxAbsDiff(Checkpoint a, Checkpoint b, String name) {
        double[] x = FacadeTest.decode(a.tensor(name));
        double[] y = FacadeTest.decode(b.tensor(name));
        double m = 0;
        for (int i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
        return m;
    }

    private static double maxAbs(Checkpoint a, String name) {
        double m = 0;
        for (double v : FacadeTest.decode(a.tensor(name))) m = Math.max(m, Math.abs(v));
        return m;
    }
}
