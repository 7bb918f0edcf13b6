package dev.wisca.cli;

/** wisca's exit codes: scripts and CI rely on them. */
public final class ExitCodes {
    /** Success; for checks: equivalent. */
    public static final int OK = 0;
    /** A check ran and failed (e.g. not equivalent). */
    public static final int CHECK_FAILED = 1;
    /** Bad usage or bad input (a file that is not a checkpoint, a wrong option). */
    public static final int USER_ERROR = 2;
    /** A bug in wisca (EX_SOFTWARE). */
    public static final int INTERNAL_ERROR = 70;

    private ExitCodes() {}
}
