package dev.wisca.cli;

import dev.wisca.sdk.bench.StartupBench;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The picocli-free inspect against picocli's: same reading of every plain form, same output, the rest left to picocli. */
class InspectFastPathTest {
    @TempDir Path dir;

    private static final List<List<String>> FLAG_SPELLINGS = List.of(
        List.of("--json"), List.of("--summary"), List.of("-v", "--verbose"), List.of("-q", "--quiet"));

    /** Every subset of the flags, each in every spelling, the path first, last or in between. */
    private static List<List<String>> plainForms(String path) {
        List<List<String>> forms = new ArrayList<>();
        for (int mask = 0; mask < 1 << FLAG_SPELLINGS.size(); mask++) {
            List<List<String>> flagSets = List.of(List.of());
            for (int f = 0; f < FLAG_SPELLINGS.size(); f++) {
                if ((mask & 1 << f) == 0) continue;
                List<List<String>> longer = new ArrayList<>();
                for (List<String> set : flagSets) {
                    for (String spelling : FLAG_SPELLINGS.get(f)) {
                        List<String> l = new ArrayList<>(set);
                        l.add(spelling);
                        longer.add(l);
                    }
                }
                flagSets = longer;
            }
            for (List<String> flags : flagSets) {
                for (int at = 0; at <= flags.size(); at++) {
                    List<String> args = new ArrayList<>(List.of("inspect"));
                    args.addAll(flags);
                    args.add(1 + at, path);
                    forms.add(args);
                }
            }
        }
        return forms;
    }

    @Test
    void readsEveryPlainFormAsPicocliDoes() {
        for (List<String> form : plainForms("some/model")) {
            String[] args = form.toArray(String[]::new);
            InspectCommand fast = InspectFastPath.parse(args).orElseThrow(() -> new AssertionError("not taken: " + form));
            InspectCommand picocli = new InspectCommand();
            new CommandLine(picocli).parseArgs(form.subList(1, form.size()).toArray(String[]::new));
            assertEquals(settings(picocli), settings(fast), form.toString());
        }
    }

    @Test
    void printsWhatPicocliPrints() throws IOException {
        Path sharded = dir.resolve("sharded");
        StartupBench.writeShards(sharded);
        Path single = InspectCommandTest.writeF32(dir.resolve("m.safetensors"), Map.of("w", new float[10]), Map.of("w", new long[] {10}));
        Path broken = Files.writeString(dir.resolve("broken.safetensors"), "not a safetensors file");
        for (Path p : List.of(sharded, single, broken, dir.resolve("missing"))) {
            for (List<String> form : plainForms(p.toString())) {
                String[] args = form.toArray(String[]::new);
                Cli fast = Cli.run(args);
                Cli picocli = viaPicocli(args);
                assertEquals(picocli.exitCode(), fast.exitCode(), form.toString());
                assertEquals(picocli.out(), fast.out(), form.toString());
                // With --verbose an error carries a stack trace, whose frames differ: the message line must not.
                assertEquals(picocli.err().lines().findFirst(), fast.err().lines().findFirst(), form.toString());
                if (!form.contains("-v") && !form.contains("--verbose")) assertEquals(picocli.err(), fast.err(), form.toString());
            }
        }
    }

    @Test
    void leavesEverythingElseToPicocli() {
        for (List<String> form : List.of(List.of("inspect"), List.of("inspect", "--help"), List.of("inspect", "-h", "x"),
                List.of("inspect", "-qv", "x"), List.of("inspect", "--json", "--json", "x"), List.of("inspect", "-q", "--quiet", "x"),
                List.of("inspect", "--as", "llama", "x"), List.of("inspect", "--arch-spec=s.json", "x"), List.of("inspect", "x", "y"),
                List.of("inspect", "@args.txt"), List.of("inspect", "--", "x"), List.of("inspect", "--json=true", "x"),
                List.of("inspect", "-x"), List.of("inspect", ""), List.of("inspect", "x\0y"), List.of("stats", "x"))) {
            assertTrue(InspectFastPath.parse(form.toArray(String[]::new)).isEmpty(), form.toString());
        }
    }

    private static String settings(InspectCommand c) {
        return c.input.path() + " json=" + c.json.enabled() + " summary=" + c.summaryOnly + " verbose=" + c.verbosity.verbose()
            + " quiet=" + c.verbosity.quiet() + " explicitSpec=" + c.specs.explicit();
    }

    private static Cli viaPicocli(String[] args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = CommandLines.forArgs(args, new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Cli(code, out.toString(), err.toString());
    }
}
