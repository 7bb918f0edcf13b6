package dev.wisca.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wisca.sdk.SampleCheckpoints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exit codes of the trust checks (issue 11 §1-2): a model_type without a spec is refused (exit 2) unless
 * {@code --as}/{@code --arch-spec} chooses one, on every command that reads a model; {@code --pairs}
 * matching no site and an undo with a foreign plan exit 2 too, with one line and no stack trace.
 */
class SpecChoiceCliTest {
    static final List<String> MODEL_COMMANDS = List.of("inspect", "stats", "plan", "rescale", "undo", "verify", "report", "serve", "watch");

    @TempDir Path dir;

    @Test
    void everyCommandThatReadsAModelTakesTheOneSpecChoice() {
        CommandLine cli = CommandLines.all(new java.io.PrintWriter(java.io.Writer.nullWriter()), new java.io.PrintWriter(java.io.Writer.nullWriter()));
        String asHelp = null;
        for (String name : MODEL_COMMANDS) {
            CommandLine.Model.CommandSpec spec = cli.getSubcommands().get(name).getCommandSpec();
            assertNotNull(spec.findOption("--as"), name + " --as");
            assertNotNull(spec.findOption("--arch-spec"), name + " --arch-spec");
            String help = String.join(" ", spec.findOption("--arch-spec").description());
            if (asHelp == null) asHelp = help;
            assertEquals(asHelp, help, name + ": --arch-spec means the same everywhere");
        }
    }

    /** A llama sample whose config.json names a model_type wisca has no spec for. */
    private Path renamedLlama() throws IOException {
        Path in = SampleCheckpoints.write("llama", dir.resolve("renamed"), 5);
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(in.resolve("config.json").toFile());
        config.put("model_type", "my_llama");
        json.writeValue(in.resolve("config.json").toFile(), config);
        return in;
    }

    @Test
    void unknownModelTypeExits2UnlessASpecIsChosen() throws IOException {
        Path in = renamedLlama();
        Path out = dir.resolve("out");
        for (String[] args : List.of(new String[] {"rescale", in.toString(), out.toString()}, new String[] {"plan", in.toString(), dir.resolve("p0").toString()},
            new String[] {"stats", in.toString()}, new String[] {"verify", in.toString(), in.toString(), "--probes-only"},
            new String[] {"inspect", in.toString(), "--as", "lama"})) {
            Cli r = Cli.run(args);
            assertEquals(2, r.exitCode(), String.join(" ", args) + "\n" + r.err());
            assertTrue(r.err().contains("UnknownArchitecture") && !r.err().contains("\tat "), r.err());
        }
        assertFalse(Files.exists(out) || Files.exists(dir.resolve("p0")), "nothing written");
        Cli inspect = Cli.run("inspect", in.toString());
        assertEquals(0, inspect.exitCode(), inspect.err());
        assertTrue(inspect.out().contains("spec: none: UnknownArchitecture"), inspect.out());

        Cli rescale = Cli.run("rescale", in.toString(), out.toString(), "--as", "llama", "--save-plan", dir.resolve("plan").toString());
        assertEquals(0, rescale.exitCode(), rescale.err());
        for (String[] args : List.of(new String[] {"verify", in.toString(), out.toString(), "--probes-only", "--as", "llama"},
            new String[] {"inspect", in.toString(), "--as", "llama"}, new String[] {"stats", in.toString(), "--as", "llama"},
            new String[] {"report", in.toString(), out.toString(), "--html", dir.resolve("r.html").toString(), "--as", "llama"},
            new String[] {"undo", out.toString(), dir.resolve("plan").toString(), dir.resolve("restored").toString(), "--as", "llama"})) {
            Cli r = Cli.run(args);
            assertEquals(0, r.exitCode(), String.join(" ", args) + "\n" + r.err());
        }
        Cli both = Cli.run("plan", in.toString(), dir.resolve("p3").toString(), "--as", "llama", "--arch-spec", "x.json");
        assertEquals(2, both.exitCode(), "--as and --arch-spec exclude each other");
    }

    @Test
    void pairsMatchingNoSiteExit2() {
        Path in = SampleCheckpoints.write("llama", dir.resolve("llama"), 5);
        Path out = dir.resolve("out");
        Cli r = Cli.run("rescale", in.toString(), out.toString(), "--pairs", "qknorm");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("NoMatchingSites") && r.err().contains("qknorm") && r.err().contains("matches no site"), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void undoWithAnotherPlanExits2() {
        Path in = SampleCheckpoints.write("llama", dir.resolve("llama"), 5);
        Path out = dir.resolve("out");
        assertEquals(0, Cli.run("rescale", in.toString(), out.toString(), "--save-plan", dir.resolve("p1").toString()).exitCode());
        assertEquals(0, Cli.run("rescale", in.toString(), "--plan-only", dir.resolve("p2").toString(), "--pairs", "qk,vo,updown").exitCode());
        Cli r = Cli.run("undo", out.toString(), dir.resolve("p2").toString(), dir.resolve("restored").toString());
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("PlanMismatch"), r.err());
        Cli original = Cli.run("undo", in.toString(), dir.resolve("p1").toString(), dir.resolve("restored").toString());
        assertEquals(2, original.exitCode(), original.err());
        assertFalse(Files.exists(dir.resolve("restored")));
    }
}
