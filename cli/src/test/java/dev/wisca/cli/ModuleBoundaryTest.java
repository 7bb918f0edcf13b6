package dev.wisca.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * hooks and cli talk to the engine through sdk: the only rescale/io types their main sources may name
 * (as an import, a static import or an inline qualified name) are the vocabulary sdk re-exports,
 * {@link #SDK_VOCABULARY}. Older uses are listed in {@code module-boundary-baseline.txt}; a new use
 * fails, and so does a listed one that is gone (remove it from the list), so the list only shrinks.
 */
class ModuleBoundaryTest {
    /** The rescale/io types that are part of the sdk's API: errors, settings vocabulary and reports. */
    static final Set<String> SDK_VOCABULARY = Set.of(
        "dev.wisca.io.WiscaException", "dev.wisca.io.ErrorKind", "dev.wisca.io.Dtype",
        "dev.wisca.rescale.graph.Pair", "dev.wisca.rescale.graph.Granularity", "dev.wisca.rescale.graph.SiteOptions",
        "dev.wisca.rescale.stats.Norm", "dev.wisca.rescale.solve.Pow2Mode", "dev.wisca.rescale.solve.SolverOptions",
        "dev.wisca.rescale.solve.SiteReport", "dev.wisca.rescale.verify.VerifyOptions", "dev.wisca.rescale.verify.VerifyReport",
        "dev.wisca.rescale.Progress", "dev.wisca.rescale.spec.SpecChoice", "dev.wisca.rescale.RescaleSettings",
        "dev.wisca.io.hf.Overwrite", "dev.wisca.rescale.graph.SkippedSite", "dev.wisca.rescale.solve.Note",
        "dev.wisca.rescale.pattern.PatternReport");
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

    static Set<String> baseline() throws IOException {
        try (InputStream in = ModuleBoundaryTest.class.getResourceAsStream("/module-boundary-baseline.txt")) {
            Set<String> lines = new TreeSet<>();
            new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).forEach(lines::add);
            return lines;
        }
    }

    @Test
    void hooksAndCliUseOnlyTheEngineTypesSdkReExports() throws IOException {
        Set<String> uses = uses();
        Set<String> known = baseline();
        Set<String> added = new TreeSet<>(uses);
        added.removeAll(known);
        Set<String> gone = new TreeSet<>(known);
        gone.removeAll(uses);
        assertTrue(added.isEmpty(), "hooks/cli use engine internals; go through dev.wisca.sdk instead:\n" + String.join("\n", added));
        assertTrue(gone.isEmpty(), "no longer used, remove from module-boundary-baseline.txt:\n" + String.join("\n", gone));
    }
}
