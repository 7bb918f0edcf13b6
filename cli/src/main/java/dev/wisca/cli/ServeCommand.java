package dev.wisca.cli;

import dev.wisca.cli.options.SpecOptions;
import dev.wisca.cli.options.Verbosity;
import dev.wisca.hooks.protocol.LocalPlanService;
import dev.wisca.hooks.protocol.ProtocolHttpServer;
import dev.wisca.hooks.protocol.ProtocolStdio;
import dev.wisca.rescale.spec.SpecLibrary;
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
import java.util.concurrent.Callable;

/** {@code wisca serve}: the stats→plan protocol for training loops in other processes (PyTorch). */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {"Serve the stats→plan protocol to a training loop: the loop describes its parameters, "
        + "measures the requested per-channel statistics where the weights live and applies the returned factors.",
        "HTTP on 127.0.0.1 only (POST /v1/describe, /v1/solve, /v1/shutdown; GET /v1/health), or JSON lines on stdin/stdout with --stdio."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  wisca serve --port 0          # prints the chosen port",
        "  wisca serve --stdio           # spawned by samples/python/wisca_hook.py"})
final class ServeCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Verbosity verbosity;
    @Mixin SpecOptions specs;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8765",
        description = "Loopback port; 0 picks a free one and prints it (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--stdio", description = "Speak JSON lines on stdin/stdout instead of HTTP; ends at end of input.")
    boolean stdio;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "2", description = "HTTP worker threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--max-sessions", paramLabel = "N", defaultValue = "64",
        description = "Sessions kept; the least recently used is dropped and its client describes again (default: ${DEFAULT-VALUE}).")
    int maxSessions;

    @Override
    public Integer call() throws Exception {
        SpecLibrary library = SpecLibrary.builtin().choosing(specs.choice());
        LocalPlanService service = new LocalPlanService(library, maxSessions);
        PrintWriter err = spec.commandLine().getErr();
        if (stdio) {
            var in = new InputStreamReader(System.in, StandardCharsets.UTF_8);
            var out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
            long answered = ProtocolStdio.serve(in, out, service, ProtocolStdio.DEFAULT_MAX_LINE_CHARS);
            if (verbosity.verbose()) err.println("wisca serve: " + answered + " requests answered");
            return ExitCodes.OK;
        }
        try (ProtocolHttpServer server = ProtocolHttpServer.start(service, port, threads, ProtocolHttpServer.DEFAULT_MAX_BODY_BYTES)) {
            Thread stopper = new Thread(server::close, "wisca-serve-stop");
            Runtime.getRuntime().addShutdownHook(stopper);
            PrintWriter out = spec.commandLine().getOut();
            out.println("listening on " + server.url() + " (port " + server.port() + ")");
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
