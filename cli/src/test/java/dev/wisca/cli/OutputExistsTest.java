package dev.wisca.cli;

import dev.wisca.sdk.SampleCheckpoints;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An output that holds files is refused (OutputExists, exit 2, untouched) unless --force; with --force
 * the output is exactly what a run into a fresh path writes, old files gone, no temp left beside it.
 */
class OutputExistsTest {
    @TempDir Path dir;
    Path in;

    @BeforeEach
    void checkpoint() {
        in = SampleCheckpoints.write("llama", dir.resolve("in"), 6);
    }

    /** An earlier, different save in {@code out}: two shards, an index and a stray file. */
    private Path occupied(String name) throws Exception {
        Path out = dir.resolve(name);
        assertEquals(0, Cli.run("reshard", in.toString(), out.toString(), "--max-shard-size", "20KB").exitCode());
        Files.writeString(out.resolve("notes.txt"), "from an earlier run");
        assertTrue(FileTrees.names(out).contains("model.safetensors.index.json"), FileTrees.names(out).toString());
        return out;
    }

    private void assertRefusedUntouched(Path out, String... args) {
        Map<String, String> before = FileTrees.snapshot(dir);
        Cli r = Cli.run(args);
        assertEquals(2, r.exitCode(), r.out() + r.err());
        assertTrue(r.err().startsWith("wisca: OutputExists: "), r.err());
        assertTrue(r.err().contains("--force"), r.err());
        assertEquals(before, FileTrees.snapshot(dir), out + " untouched");
    }

    @Test
    void rescaleIntoAnOccupiedFolder() throws Exception {
        Path out = occupied("out");
        assertRefusedUntouched(out, "rescale", in.toString(), out.toString());
        assertEquals(0, Cli.run("rescale", in.toString(), out.toString(), "--force").exitCode());
        assertEquals(0, Cli.run("rescale", in.toString(), dir.resolve("fresh").toString()).exitCode());
        assertEquals(FileTrees.snapshot(dir.resolve("fresh")), FileTrees.snapshot(out), "exactly the new checkpoint");
        assertEquals(List.of("fresh", "in", "out"), FileTrees.names(dir), "no temp folder left beside it");
    }

    @Test
    void reshardIntoAnOccupiedFolder() throws Exception {
        Path out = occupied("out");
        assertRefusedUntouched(out, "reshard", in.toString(), out.toString());
        assertEquals(0, Cli.run("reshard", in.toString(), out.toString(), "--force").exitCode());
        assertEquals(FileTrees.names(in), FileTrees.names(out), "one shard, no stale index, no stray file");
    }

    @Test
    void undoAndPlanAndStatsAndReportIntoOccupiedOutputs() throws Exception {
        Path out = dir.resolve("out");
        Path plan = dir.resolve("plan");
        assertEquals(0, Cli.run("rescale", in.toString(), out.toString(), "--save-plan", plan.toString()).exitCode());
        Path back = occupied("back");
        assertRefusedUntouched(back, "undo", out.toString(), plan.toString(), back.toString());
        assertEquals(0, Cli.run("undo", out.toString(), plan.toString(), back.toString(), "--force").exitCode());
        assertEquals(FileTrees.names(in), FileTrees.names(back), "exactly the restored checkpoint: no shard or file of the earlier save");

        assertRefusedUntouched(plan, "plan", in.toString(), plan.toString());
        assertRefusedUntouched(plan, "rescale", in.toString(), dir.resolve("other").toString(), "--save-plan", plan.toString());
        assertFalse(Files.exists(dir.resolve("other")), "refused before the weights were written");
        assertEquals(0, Cli.run("plan", in.toString(), plan.toString(), "--force").exitCode());

        Path stats = Files.writeString(dir.resolve("stats.json"), "old");
        assertRefusedUntouched(stats, "stats", in.toString(), "--out", stats.toString());
        assertEquals(0, Cli.run("stats", in.toString(), "--out", stats.toString(), "--force").exitCode());
        assertTrue(Files.readString(stats).startsWith("{"));

        Path html = Files.writeString(dir.resolve("report.html"), "old");
        assertRefusedUntouched(html, "report", in.toString(), out.toString(), "--html", html.toString(), "--no-verify");
        assertEquals(0, Cli.run("report", in.toString(), out.toString(), "--html", html.toString(), "--no-verify", "--force").exitCode());
        assertTrue(Files.readString(html).startsWith("<!DOCTYPE html>"));
    }

    @Test
    void leftoversOfAKilledRunAreRemovedByTheNextRunAndNothingElse() throws Exception {
        // What a run killed mid-write leaves: its staging folder beside the output, a temp shard inside
        // an older output folder; a user's own file that merely looks similar must survive.
        Path staging = Files.createDirectories(dir.resolve(".out.tmp-0123456789abcdef"));
        Files.writeString(staging.resolve("model.safetensors"), "half written");
        Path out = Files.createDirectories(dir.resolve("out"));
        Files.writeString(out.resolve(".model.safetensors.tmp-00000000deadbeef"), "half written");
        Files.writeString(dir.resolve(".out.tmp-mine"), "a user's file");
        assertEquals(0, Cli.run("rescale", in.toString(), out.toString()).exitCode(), "only our temps: the folder counts as empty");
        assertEquals(List.of(".out.tmp-mine", "in", "out"), FileTrees.names(dir));
        assertFalse(FileTrees.names(out).stream().anyMatch(n -> n.contains(".tmp-")), FileTrees.names(out).toString());
    }
}
