package dev.wisca.cli.options;

import picocli.CommandLine.Option;

/** {@code --seed}: the seed of the random values a command draws; each command has its own default. */
public final class SeedOption {
    @Option(names = "--seed", paramLabel = "N", description = "Seed of the random values the command draws: the generated"
        + " weights (bench, demo; default 42) or the probe tokens and vectors (verify; default 20250822).")
    Long seed;

    /** The flag's value, else {@code commandDefault}. */
    public long or(long commandDefault) { return seed == null ? commandDefault : seed; }
}
