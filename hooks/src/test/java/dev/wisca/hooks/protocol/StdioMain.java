package dev.wisca.hooks.protocol;

import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;

/** {@code wisca serve --stdio} without the CLI, for the Python tests run from JUnit. */
public final class StdioMain {
    private StdioMain() {}

    public static void main(String[] args) throws Exception {
        ProtocolStdio.serve(new InputStreamReader(System.in, StandardCharsets.UTF_8),
            new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8)),
            LocalPlanService.builtin(), ProtocolStdio.DEFAULT_MAX_LINE_CHARS);
    }
}
