package dev.wisca.cli;

import dev.wisca.sdk.ReExports;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * hooks and cli talk to the engine through sdk: the only rescale/io types their main sources may name
 * (as an import, a static import or an inline qualified name) are the ones sdk re-exports,
 * {@link ReExports#TYPES}. There is no list of exceptions: a new use of an engine internal fails.
 */
class ModuleBoundaryTest {
    static final Set<String> SDK_VOCABULARY = ReExports.TYPES.stream().map(Class::getName).collect(Collectors.toSet());
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Pattern ENGINE_TYPE = Pattern.compile("\\bdev\\.wisca\\.(?:rescale|io)(?:\\.[a-z]\\w*)*\\.[A-Z]\\w*");
    static final Pattern COMMENTS = Pattern.compile("/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);

    static Set<String> uses() throws IOException {
        Set<String> uses = new TreeSet<>();
        for (String module : List.of("hooks", "cli")) {
            Path src = ROOT.resolve(module).resolve("src/main/java");
            assertTrue(Files.isDirectory(src), "no sources at " + src);
            try (Stream<Path> files = Files.walk(src)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    String code = COMMENTS.matcher(Files.readString(f)).replaceAll("");
                    Matcher m = ENGINE_TYPE.matcher(code);
                    while (m.find()) {
                        if (!SDK_VOCABULARY.contains(m.group())) uses.add(ROOT.relativize(f) + " -> " + m.group());
                    }
                }
            }
        }
        return uses;
    }

    @Test
    void hooksAndCliUseOnlyTheEngineTypesSdkReExports() throws IOException {
        Set<String> uses = uses();
        assertTrue(uses.isEmpty(), "hooks/cli use engine internals; go through dev.wisca.sdk (or re-export a small value type"
            + " in ReExports) instead:\n" + String.join("\n", uses));
    }

    /** The scan itself can fail: an internal named in code is found, one named only in a comment is not. */
    @Test
    void theScanFindsQualifiedNamesOutsideComments() {
        String code = COMMENTS.matcher("import dev.wisca.rescale.plan.Planner; // dev.wisca.io.hf.Outputs\n"
            + "var x = dev.wisca.io.Printable.escape(s);").replaceAll("");
        Matcher m = ENGINE_TYPE.matcher(code);
        List<String> found = new ArrayList<>();
        while (m.find()) found.add(m.group());
        assertEquals(List.of("dev.wisca.rescale.plan.Planner", "dev.wisca.io.Printable"), found);
        assertTrue(SDK_VOCABULARY.contains("dev.wisca.io.Printable") && !SDK_VOCABULARY.contains("dev.wisca.rescale.plan.Planner"));
    }
}
