package dev.wisca.sdk.report;

import dev.wisca.rescale.graph.Granularity;
import dev.wisca.rescale.pattern.PatternReport;
import dev.wisca.rescale.synth.TinyModel;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Writes sample outputs under {@code target/report-sample/} for manual checks outside CI (pandas,
 * polars, pyarrow reading the Arrow files; a headless browser screenshot of the HTML).
 */
class SampleFilesTest {
    static final Path OUT = Path.of("target", "report-sample");

    @Test
    void writesSampleStatsFiles() throws Exception {
        TinyModel m = Fixtures.model("llama", "default", 3);
        Map<String, double[]> before = Fixtures.values(m);
        PatternReport report = Fixtures.report(m, Fixtures.write(m, before, Files.createDirectories(OUT.resolve("before"))));
        for (String name : new String[] {"stats.arrow", "stats.csv", "stats.json"}) {
            for (Path p : StatsWriter.write(report, OUT.resolve(name))) assertTrue(Files.size(p) > 0, p.toString());
        }
        Map<String, double[]> after = Fixtures.balanced(m, before, Granularity.TENSOR);
        PatternReport balanced = Fixtures.report(m, Fixtures.write(m, after, Files.createDirectories(OUT.resolve("after"))));
        StatsWriter.write(balanced, OUT.resolve("after.arrow"));
    }
}
