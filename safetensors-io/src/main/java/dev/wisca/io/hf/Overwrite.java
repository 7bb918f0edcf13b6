package dev.wisca.io.hf;

/** What to do with an output path that already holds something: refuse ({@code OutputExists}) or replace it whole. */
public enum Overwrite {
    /** An occupied output is refused with {@link dev.wisca.io.ErrorKind#OUTPUT_EXISTS}. */
    NEVER,
    /** The output is replaced: afterwards it holds exactly what this run wrote (the CLI's {@code --force}). */
    REPLACE;

    public static Overwrite of(boolean force) { return force ? REPLACE : NEVER; }
}
