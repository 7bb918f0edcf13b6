package dev.wisca.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FlagNamesTest {
    @Test
    void apiSettingNamesBecomeTheirFlags() {
        assertEquals("use --probes-only", FlagNames.inCliTerms("use setting 'probesOnly'"));
        assertEquals("pass --adapter-a and --adapter-b together", FlagNames.inCliTerms("pass setting 'adapterA' and setting 'adapterB' together"));
        assertEquals("--threads must be >= 1", FlagNames.inCliTerms("setting 'parallelism' must be >= 1"));
        assertEquals("no settings here", FlagNames.inCliTerms("no settings here"));
    }
}
