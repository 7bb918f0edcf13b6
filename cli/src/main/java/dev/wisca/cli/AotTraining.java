package dev.wisca.cli;

import dev.wisca.io.Dtype;
import dev.wisca.rescale.Progress;
import dev.wisca.sdk.bench.BenchCheckpoint;
import dev.wisca.sdk.bench.LlamaShape;
import dev.wisca.sdk.bench.StartupBench;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The training runs of the JVM's ahead-of-time caches (JEP 483/514/515), run once by {@code bin/wisca}
 * after a build with {@code -XX:AOTCacheOutput}. Without arguments: the short commands users run most
 * ({@code --version}, {@code --help}, {@code inspect} of a sharded folder) and three rescales of a small
 * llama-shaped checkpoint in one JVM, so their classes are loaded, linked and profiled from the cache in
 * later runs (the rescale's scalar statistics and power-of-two kernels then compile early with a real
 * profile; this replaces the per-method JIT flags bin/jvm-flags once had). With {@code short}: only
 * {@code --version} and the plain {@code inspect} forms, for the cache the launcher starts those with
 * (its JVM runs without the Vector API module, so that cache also holds the module graph). Output is
 * discarded.
 */
public final class AotTraining {
    static final long TRAINING_CHECKPOINT_BYTES = 48L << 20;
    static final int RESCALES = 3;

    private AotTraining() {}

    public static void main(String[] args) throws IOException {
        boolean shortOnly = args.length == 1 && args[0].equals("short");
        Path dir = Files.createTempDirectory("wisca-aot-");
        try {
            Path checkpoint = dir.resolve("sharded");
            StartupBench.writeShards(checkpoint);
            PrintWriter sink = new PrintWriter(OutputStream.nullOutputStream(), true);
            ClassInitWarmup.start(!shortOnly);  // as main does before a command (main itself ends the process)
            if (shortOnly) {
                Version.lines();   // what main prints for --version
                for (String[] argv : List.of(new String[] {"inspect", checkpoint.toString()},
                    new String[] {"inspect", "--json", checkpoint.toString()})) {
                    Main.execute(argv, sink, sink);
                }
                return;
            }
            Path llama = dir.resolve("llama");
            BenchCheckpoint.write(LlamaShape.forSize(TRAINING_CHECKPOINT_BYTES, Dtype.BF16), llama, 1L << 40, 1, Progress.NONE);
            List<List<String>> commands = new ArrayList<>(List.of(List.of("--version"), List.of("--help"),
                List.of("inspect", checkpoint.toString()), List.of("inspect", "--json", checkpoint.toString()), List.of("rescale", "--help")));
            // A rescale, repeated, so the statistics and scaling kernels are hot and their profiles recorded.
            for (int i = 0; i < RESCALES; i++) {
                commands.add(List.of("rescale", "-q", "--force", llama.toString(), dir.resolve("rescaled").toString()));
            }
            for (List<String> command : commands) {
                String[] argv = command.toArray(String[]::new);
                Main.execute(argv, sink, sink);
            }
        } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }
}
