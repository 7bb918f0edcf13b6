package dev.wisca.cli.options;

import dev.wisca.rescale.spec.SpecChoice;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Which spec binds the model: {@code --as FAMILY} or {@code --arch-spec FILE}, else the spec of config.json's
 * {@code model_type}. Declared once, here, for every command that reads a model; the meaning is the same
 * everywhere: the spec used instead of the model_type's, an explicit choice wisca never makes by itself.
 */
public final class SpecOptions {
    @ArgGroup(exclusive = true)
    Choice choice;

    static final class Choice {
        @Option(names = "--as", paramLabel = "FAMILY",
            description = "Bind the model with this built-in family's spec (a model_type, e.g. llama) instead of the one its config.json model_type names. Only when that spec really describes the model.")
        String family;

        @Option(names = "--arch-spec", paramLabel = "FILE",
            description = "Bind the model with this architecture spec file (JSON, the format of the built-in specs) instead of its model_type's spec.")
        Path file;
    }

    /** The spec choice: a family, a file, or (neither flag given) by model_type. */
    public SpecChoice choice() {
        if (choice == null) return SpecChoice.byModelType();
        return choice.family != null ? SpecChoice.family(choice.family) : SpecChoice.file(choice.file);
    }

    /** The spec file of {@code --arch-spec}: an input, so no output may overwrite it. */
    public Optional<Path> file() { return Optional.ofNullable(choice == null ? null : choice.file); }

    /** Whether the user chose a spec ({@code --as} or {@code --arch-spec}). */
    public boolean explicit() { return choice != null; }
}
