package dev.wisca.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchCommandTest {
    @TempDir Path dir;

    @Test
    void jsonHasEveryPhaseWithPositiveTimesThroughputsAndMemory() throws Exception {
        Cli r = Cli.run("bench", "--size", "4MB", "--json", "--dir", dir.toString(), "--repeat", "2");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertTrue(json.get("generated").asBoolean());
        assertEquals("BF16", json.get("dtype").asText());
        assertEquals(2, json.get("repeats").asInt());
        assertTrue(json.get("checkpointBytes").asLong() > 3_000_000 && json.get("checkpointBytes").asLong() < 5_000_000);
        assertTrue(json.get("fileBytes").asLong() > json.get("checkpointBytes").asLong(), "files add headers");
        assertTrue(json.get("rescaleOverCopy").asDouble() > 0);
        assertTrue(json.get("applyOverCopy").asDouble() > 0);
        List<String> names = new ArrayList<>();
        for (JsonNode p : json.get("phases")) {
            String name = p.get("name").asText();
            names.add(name);
            assertTrue(p.get("minNanos").asLong() > 0, name);
            assertTrue(p.get("medianNanos").asLong() >= p.get("minNanos").asLong(), name);
            assertTrue(p.get("firstNanos").asLong() >= p.get("minNanos").asLong(), name);
            assertTrue(p.get("heapUsedPeak").asLong() > 0, name);
            if (Files.exists(Path.of("/proc/self/status"))) {
                assertTrue(p.get("rssPeak").asLong() > 0, name);
                assertTrue(p.get("rssAnonPeak").asLong() > 0, name);
            }
            if (!name.equals("open")) {
                assertTrue(p.get("bytes").asLong() > 0, name);
                assertTrue(p.get("gbPerSecond").asDouble() > 0, name);
            }
        }
        assertEquals(List.of("copy", "open", "stats", "apply", "undo", "inplace", "rescale", "stats-warm"), names);
        assertEquals(json.get("checkpointBytes").asLong(), json.get("phases").get(3).get("bytes").asLong(), "apply writes every tensor");
        assertEquals(json.get("phases").get(2).get("bytes").asLong(), json.get("phases").get(7).get("bytes").asLong(),
            "the warm statistics read what the one-shot ones read");
        assertEquals(json.get("checkpointBytes").asLong(), json.get("phases").get(6).get("bytes").asLong(), "rescale in one writes every tensor");
        String warm = json.get("phases").get(7).get("description").asText();
        java.util.regex.Matcher pass = java.util.regex.Pattern.compile("statistics pass alone .*? ([0-9.]+) ms, ([0-9.]+) GB/s per core").matcher(warm);
        assertTrue(pass.find(), warm);
        double passMs = Double.parseDouble(pass.group(1));
        assertTrue(passMs > 0 && passMs * 1e6 <= json.get("phases").get(7).get("minNanos").asLong() + 1e5,
            "the pass is a part of its plan: " + warm);
        try (var left = Files.list(dir)) {
            assertEquals(0, left.count(), "work files removed without --keep");
        }
    }

    @Test
    void tableNamesThePhasesAndTheRatio() {
        Cli r = Cli.run("bench", "--size", "2MB", "--dtype", "f32", "--dir", dir.toString(), "--keep", "--pairs", "qk,vo,updown");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("generated llama-shaped f32 checkpoint"), r.out());
        for (String phase : List.of("copy", "open", "stats", "apply", "undo")) assertTrue(r.out().contains("\n" + phase + " "), phase);
        assertTrue(r.out().contains("rescale (stats + apply) / copy: "), r.out());
        assertTrue(r.out().contains("pairs ") && r.out().contains("updown"), r.out());
        assertTrue(Files.exists(dir.resolve("checkpoint/config.json")), "--keep keeps the checkpoint");
        assertTrue(Files.exists(dir.resolve("undone/model.safetensors")), "--keep keeps the outputs");
    }

    @Test
    void copyIsTheReferenceOfEveryRatioAndProcessRowsCompareInspectWithPython() throws Exception {
        // a launcher like bin/wisca: this test's classes in a fresh JVM
        Path launcher = dir.resolve("wisca-launcher");
        Files.writeString(launcher, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java")
            + "' --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp '"
            + System.getProperty("java.class.path") + "' " + Main.class.getName() + " \"$@\"\n");
        assertTrue(launcher.toFile().setExecutable(true));
        String python = System.getenv("WISCA_PYTHON");
        assertTrue(python != null, "WISCA_PYTHON must name a Python with safetensors (bin/test sets it)");
        Path work = Files.createDirectories(dir.resolve("work"));
        Cli r = Cli.run("bench", "--size", "2MB", "--json", "--dir", work.toString(), "--launcher", launcher.toString(),
            "--python", python, "--startup-repeat", "1", "--memory-sizes", "3MB");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        JsonNode copy = json.get("phases").get(0);
        assertEquals("copy", copy.get("name").asText());
        assertEquals(1.0, copy.get("overCopy").asDouble(), 1e-12);
        for (JsonNode p : json.get("phases")) {
            assertEquals((double) p.get("medianNanos").asLong() / copy.get("medianNanos").asLong(), p.get("overCopy").asDouble(), 1e-9);
        }
        List<String> names = new ArrayList<>();
        for (JsonNode row : json.get("startup")) {
            names.add(row.get("name").asText());
            assertTrue(row.get("wallNanos").asLong() > 0, row.toString());
        }
        assertEquals(List.of("wisca --version", "wisca inspect (100 shards)", "python safe_open (100 shards)"), names);
        JsonNode inspect = json.get("startup").get(1), py = json.get("startup").get(2);
        assertEquals((double) inspect.get("wallNanos").asLong() / py.get("wallNanos").asLong(), inspect.get("overPython").asDouble(), 1e-9);
        JsonNode processes = json.get("processes");
        assertEquals(2, processes.size(), processes.toString());
        assertEquals("rescale + sync (this checkpoint)", processes.get(0).get("name").asText());
        assertTrue(processes.get(1).get("name").asText().startsWith("rescale + sync ("), processes.toString());
        assertTrue(processes.get(1).get("checkpointBytes").asLong() > 2_000_000, processes.toString());
        for (JsonNode row : processes) {
            assertEquals((double) row.get("wallNanos").asLong() / row.get("copyWallNanos").asLong(), row.get("overCopy").asDouble(), 1e-9);
            assertTrue(row.get("anonPeakBytes").asLong() > 1 << 20, "a JVM's anonymous memory is sampled: " + row);
            assertTrue(row.get("rssPeakBytes").asLong() > row.get("anonPeakBytes").asLong(), "the resident set holds the anonymous part: " + row);
        }
        try (var left = Files.list(work)) {
            assertEquals(0, left.count(), "work files removed without --keep");
        }
    }

    @Test
    void aPythonWithoutSafetensorsIsAUsageErrorBeforeAnyPhaseRuns() throws Exception {
        Path launcher = dir.resolve("never-run");
        Files.writeString(launcher, "#!/bin/sh\nexit 3\n");
        Path python = dir.resolve("python-without-safetensors");
        Files.writeString(python, "#!/bin/sh\necho \"ModuleNotFoundError: No module named 'safetensors'\" >&2\nexit 1\n");
        assertTrue(launcher.toFile().setExecutable(true) && python.toFile().setExecutable(true));
        Path work = Files.createDirectories(dir.resolve("work"));
        Cli r = Cli.run("bench", "--size", "2MB", "--dir", work.toString(), "--launcher", launcher.toString(), "--python", python.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("--python " + python + " cannot be the inspect reference")
            && r.err().contains("No module named 'safetensors'"), r.err());
        try (var left = Files.list(work)) {
            assertEquals(0, left.count(), "no phase ran");
        }
    }

    @Test
    void rejectsAnIntegerDtype() {
        Cli r = Cli.run("bench", "--size", "1MB", "--dtype", "i32", "--dir", dir.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("f32, bf16 or f16"), r.err());
    }
}
