package dev.wisca.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every flag has one meaning: an option name that two subcommands take has the same type, parameter label and
 * description in both (declare it once, in a cli.options mixin, and use that mixin). Walks the CommandSpec of
 * every subcommand, so a new command's flag is checked too.
 */
class FlagMeaningTest {
    /** How one command declares a flag: what must agree across commands. */
    record Declaration(String command, String type, String label, String description) {
        String meaning() { return type + " " + label + ": " + description; }
    }

    static Map<String, List<Declaration>> declarations(CommandLine root) {
        Map<String, List<Declaration>> byName = new TreeMap<>();
        List<CommandLine> commands = new ArrayList<>(root.getSubcommands().values());
        for (int i = 0; i < commands.size(); i++) {
            CommandLine c = commands.get(i);
            commands.addAll(c.getSubcommands().values());
            CommandSpec spec = c.getCommandSpec();
            for (OptionSpec o : spec.options()) {
                if (o.usageHelp() || o.versionHelp()) continue;
                Declaration d = new Declaration(spec.qualifiedName(" "), o.type().getName(), o.paramLabel(), String.join(" ", o.description()));
                for (String name : o.names()) byName.computeIfAbsent(name, n -> new ArrayList<>()).add(d);
            }
        }
        return byName;
    }

    static List<String> conflicts(Map<String, List<Declaration>> byName) {
        List<String> out = new ArrayList<>();
        byName.forEach((name, ds) -> {
            for (Declaration d : ds) {
                if (!d.meaning().equals(ds.getFirst().meaning())) {
                    out.add(name + ": " + ds.getFirst().command() + " [" + ds.getFirst().meaning() + "] vs " + d.command() + " [" + d.meaning() + "]");
                }
            }
        });
        return out;
    }

    @Test
    void aFlagMeansTheSameInEveryCommand() {
        CommandLine root = CommandLines.all(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        Map<String, List<Declaration>> byName = declarations(root);
        assertTrue(byName.get("--device").size() >= 2 && byName.get("--arch-spec").size() >= 5, "the walk found " + byName.keySet());
        List<String> conflicts = conflicts(byName);
        assertEquals(List.of(), conflicts, "flags declared twice with different meanings: declare each once in a cli.options mixin");
    }

    /** The comparison itself can fail: two declarations of one name that differ are reported. */
    @Test
    void aRedeclaredFlagIsFound() {
        Map<String, List<Declaration>> byName = Map.of("--threads", List.of(
            new Declaration("rescale", "java.lang.Integer", "N", "Worker threads."),
            new Declaration("serve", "java.lang.Integer", "N", "HTTP threads.")));
        assertEquals(1, conflicts(byName).size());
    }
}
