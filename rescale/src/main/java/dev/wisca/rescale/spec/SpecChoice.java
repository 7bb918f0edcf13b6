package dev.wisca.rescale.spec;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Which spec binds a checkpoint. By default the one whose {@code model_type} is config.json's: a model_type
 * without a spec is refused, never bound to a family whose tensor names look alike. Binding a model to
 * another family's spec, or to a user's spec file, is an explicit choice ({@code --as FAMILY},
 * {@code --arch-spec FILE}).
 */
public sealed interface SpecChoice {
    /** The built-in spec of config.json's {@code model_type}. */
    record ByModelType() implements SpecChoice {}

    /** The built-in spec of {@code family} (a model_type), whatever config.json says. */
    record Family(String family) implements SpecChoice {
        public Family {
            Objects.requireNonNull(family, "family");
        }
    }

    /** A user's spec file, whatever config.json says. */
    record File(Path file) implements SpecChoice {
        public File {
            Objects.requireNonNull(file, "file");
        }
    }

    static SpecChoice byModelType() { return new ByModelType(); }

    static SpecChoice family(String family) { return new Family(family); }

    static SpecChoice file(Path file) { return new File(file); }
}
