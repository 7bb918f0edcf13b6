package dev.wisca.sdk.inplace;

import dev.wisca.io.Dtype;
import dev.wisca.io.SafetensorsFile;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.io.inplace.FaultPoint;
import dev.wisca.rescale.Progress;
import dev.wisca.sdk.bench.BenchCheckpoint;
import dev.wisca.sdk.bench.LlamaShape;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Shared helpers of the in-place tests: checkpoints, folder copies, tensor bytes, child processes. */
final class Checkpoints {
    private Checkpoints() {}

    /** A llama-shaped checkpoint in {@code dtype}, sharded at {@code shardBytes}. */
    static Path llama(Path dir, Dtype dtype, int hidden, int layers, long shardBytes, long seed) {
        LlamaShape shape = new LlamaShape(hidden, 4, 2, hidden * 2, 256, layers, dtype);
        return BenchCheckpoint.write(shape, dir, shardBytes, seed, Progress.NONE);
    }

    static Path copy(Path from, Path to) {
        try {
            Files.createDirectories(to);
            try (Stream<Path> files = Files.list(from)) {
                for (Path f : files.toList()) Files.copy(f, to.resolve(f.getFileName()));
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return to;
    }

    /** Every tensor's bytes by name (opening runs recovery, as every wisca command does). */
    static Map<String, byte[]> tensors(Path ckpt) {
        Map<String, byte[]> out = new TreeMap<>();
        try (Checkpoint c = Checkpoint.open(ckpt)) {
            for (TensorInfo t : c.tensors()) out.put(t.name(), c.tensor(t.name()).data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        }
        return out;
    }

    /** Every file's bytes by name, our hidden lock file excluded. */
    static Map<String, byte[]> files(Path folder) {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path f : files.toList()) {
                if (!f.getFileName().toString().endsWith(".wisca-lock")) out.put(f.getFileName().toString(), Files.readAllBytes(f));
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out;
    }

    static boolean same(Map<String, byte[]> a, Map<String, byte[]> b) {
        if (!a.keySet().equals(b.keySet())) return false;
        for (String k : a.keySet()) if (!java.util.Arrays.equals(a.get(k), b.get(k))) return false;
        return true;
    }

    static List<String> shardNames(Path ckpt) {
        try (Checkpoint c = Checkpoint.open(ckpt)) {
            return c.shardFiles().stream().map(SafetensorsFile::path).map(p -> p.getFileName().toString()).toList();
        }
    }

    /** Starts {@link InPlaceChild} with {@code args}, armed at {@code fault} (empty: none). */
    static Process child(String fault, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-javaagent") && !a.startsWith("-agentlib") && !a.startsWith("-Dwisca.fault")) cmd.add(a);
        }
        if (!fault.isEmpty()) cmd.add("-Dwisca.fault=" + fault);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(InPlaceChild.class.getName());
        cmd.addAll(List.of(args));
        try {
            return new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Runs a child to its end; returns its exit status (output shown on failure). */
    static int run(String fault, String... args) {
        Process p = child(fault, args);
        try {
            String output = new String(p.getInputStream().readAllBytes());
            int status = p.waitFor();
            if (status != 0 && status != FaultPoint.HALT_STATUS) throw new AssertionError("child failed (" + status + "): " + output);
            return status;
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
