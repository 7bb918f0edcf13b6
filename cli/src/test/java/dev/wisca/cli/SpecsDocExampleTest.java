package dev.wisca.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Follows the worked example of docs/specs.md literally: every fenced block named with a file
 * ({@code ```json helium.json}) is written to that file, then the {@code shell} lines run in order in
 * the same folder ({@code wisca ...} as a child JVM of this CLI, {@code python ...} with
 * {@code $WISCA_PYTHON}). The doc's last script checks with transformers that the rescaled Helium
 * computes the same logits and that weights did change; without torch/transformers the test fails.
 */
@Tag("python")
class SpecsDocExampleTest {
    static final String PYTHON = System.getenv().getOrDefault("WISCA_PYTHON", "python3");
    static final Path DOC = Path.of("..", "docs", "specs.md").toAbsolutePath().normalize();
    static final Pattern FENCE = Pattern.compile("```(\\w+)([^\\n]*)\\n(.*?)```", Pattern.DOTALL);

    record Block(String language, String file, String body) {}

    static List<Block> workedExample() throws IOException {
        String doc = Files.readString(DOC);
        int start = doc.indexOf("## Worked example");
        assertTrue(start >= 0, "docs/specs.md has no '## Worked example' section");
        List<Block> blocks = new ArrayList<>();
        Matcher m = FENCE.matcher(doc.substring(start));
        while (m.find()) blocks.add(new Block(m.group(1), m.group(2).strip(), m.group(3)));
        return blocks;
    }

    @Test
    void addingHeliumAsTheDocSaysRescalesItAndTransformersAgrees(@TempDir Path dir) throws Exception {
        List<Block> blocks = workedExample();
        List<String> commands = new ArrayList<>();
        for (Block b : blocks) {
            if (!b.file().isEmpty()) Files.writeString(dir.resolve(b.file()), b.body());
            if (b.language().equals("shell")) b.body().lines().filter(l -> !l.isBlank()).forEach(commands::add);
        }
        List<String> scripts = blocks.stream().filter(b -> b.language().equals("python")).map(Block::file).toList();
        assertEquals(2, scripts.size(), "the example builds a checkpoint and checks the result in Python");
        assertTrue(Files.isRegularFile(dir.resolve("helium.json")), "the example names its spec helium.json");
        assertFalse(commands.isEmpty(), "the example runs wisca");

        String build = run(dir, List.of(PYTHON, scripts.get(0)));
        assertTrue(Files.isRegularFile(dir.resolve("tiny-helium/model.safetensors")), build);
        for (String command : commands) {
            List<String> words = Arrays.asList(command.strip().split("\\s+"));
            assertEquals("wisca", words.get(0), command);
            String out = run(dir, wisca(words.subList(1, words.size())));
            assertFalse(out.contains("skipped"), out);
        }
        String check = run(dir, List.of(PYTHON, scripts.get(1)));
        assertTrue(check.contains("max |logit difference|"), check);
    }

    private static List<String> wisca(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
            "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args);
        return cmd;
    }

    private static String run(Path dir, List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish:\n" + out);
        }
        String shown = String.join(" ", command.subList(Math.max(0, command.indexOf(Main.class.getName())), command.size()));
        assertEquals(0, p.exitValue(), shown + " (is " + PYTHON
            + " the bin/python-env venv with torch and transformers? bin/test sets WISCA_PYTHON):\n" + out);
        return out;
    }
}
