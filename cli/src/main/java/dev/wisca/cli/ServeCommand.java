package dev.wisca.cli;

import dev.wisca.cli.options.SpecOptions;
import dev.wisca.cli.options.FlagChecks;
import dev.wisca.cli.options.Verbosity;
import dev.wisca.hooks.protocol.LocalPlanService;
import dev.wisca.hooks.protocol.ProtocolHttpServer;
import dev.wisca.hooks.protocol.ProtocolJson;
import dev.wisca.hooks.protocol.ProtocolStdio;
import dev.wisca.hooks.protocol.ServerOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code wisca serve}: the stats→plan protocol for training loops in other processes (PyTorch). */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {"Serve the stats→plan protocol to a training loop: the loop describes its parameters, "
        + "measures the requested per-channel statistics where the weights live and applies the returned factors.",
        "HTTP on 127.0.0.1 only (POST /v1/describe, /v1/solve, /v1/shutdown; GET /v1/health), or JSON lines on stdin/stdout with --stdio.",
        "Every HTTP request must send 'Authorization: Bearer <secret>'; the secret is made at start and written to a file only you can "
            + "read (--token-file). The first line on stdout is JSON: {\"url\", \"port\", \"token_file\"}. Requests from web pages "
            + "(an Origin header) or to another Host than 127.0.0.1/localhost/[::1] are refused."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  wisca serve --port 0          # prints {\"url\": ..., \"token_file\": ...}; clients read WISCA_TOKEN_FILE",
        "  wisca serve --stdio           # spawned per process by the Python package (wisca.torch.WiscaHook)"})
final class ServeCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Verbosity verbosity;
    @Mixin SpecOptions specs;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8765",
        description = "Loopback port; 0 picks a free one and prints it (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--stdio", description = "Speak JSON lines on stdin/stdout instead of HTTP; ends at end of input.")
    boolean stdio;

    /** Not --threads: that flag means worker threads of a computation everywhere (ComputeOptions). */
    @Option(names = "--max-requests", paramLabel = "N", defaultValue = "2", description = "Requests solved at once, 1 to 256 (default: ${DEFAULT-VALUE}).")
    int maxRequests;

    @Option(names = "--token-file", paramLabel = "FILE",
        description = "Where to write the secret (0600; deleted at stop). Default: $XDG_RUNTIME_DIR/wisca/serve-<port>.token, "
            + "else ~/.cache/wisca/serve-<port>.token.")
    Path tokenFile;

    @Option(names = "--max-body", paramLabel = "BYTES", defaultValue = "536870912",
        description = "Largest request body; larger ones are answered 413 before they are read (default: ${DEFAULT-VALUE}).")
    long maxBody;

    @Option(names = "--max-connections", paramLabel = "N", defaultValue = "32",
        description = "Connections held at once; more are answered 503 (default: ${DEFAULT-VALUE}).")
    int maxConnections;

    @Option(names = "--max-sessions", paramLabel = "N", defaultValue = "64",
        description = "Sessions kept; the least recently used is dropped and its client describes again (default: ${DEFAULT-VALUE}).")
    int maxSessions;

    @Override
    public Integer call() throws Exception {
        FlagChecks.inRange("--port", port, 0, 65535);
        FlagChecks.inRange("--max-requests", maxRequests, 1, 256);
        FlagChecks.inRange("--max-sessions", maxSessions, 1, 1 << 20);
        LocalPlanService service = new LocalPlanService(specs.choice(), maxSessions);
        PrintWriter err = spec.commandLine().getErr();
        if (stdio) {
            var in = new InputStreamReader(System.in, StandardCharsets.UTF_8);
            var out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
            long answered = ProtocolStdio.serve(in, out, service, ProtocolStdio.DEFAULT_MAX_LINE_CHARS);
            if (verbosity.verbose()) err.println("wisca serve: " + answered + " requests answered");
            return ExitCodes.OK;
        }
        ServerOptions options = ServerOptions.defaults().withPort(port).withWorkers(maxRequests).withMaxBodyBytes(maxBody)
            .withMaxConnections(maxConnections);
        if (tokenFile != null) options = options.withTokenFile(tokenFile);
        try (ProtocolHttpServer server = ProtocolHttpServer.start(service, options)) {
            Thread stopper = new Thread(server::close, "wisca-serve-stop");
            Runtime.getRuntime().addShutdownHook(stopper);
            PrintWriter out = spec.commandLine().getOut();
            Map<String, Object> startup = new LinkedHashMap<>();
            startup.put("url", server.url());
            startup.put("port", server.port());
            startup.put("token_file", server.tokenFile().toString());
            startup.put("pid", ProcessHandle.current().pid());
            out.println(ProtocolJson.write(startup));
            out.flush();
            server.awaitShutdown();
            try {
                Runtime.getRuntime().removeShutdownHook(stopper);
            } catch (IllegalStateException alreadyStopping) {
                // The JVM is exiting (Ctrl-C): the hook is closing the server.
            }
            if (!verbosity.quiet()) err.println("wisca serve: stopped");
        }
        return ExitCodes.OK;
    }
}
