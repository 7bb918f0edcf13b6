package dev.wisca.rescale.lora;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.SafetensorsFile;
import dev.wisca.io.SafetensorsWriter;
import dev.wisca.io.Tensor;
import dev.wisca.io.TensorSpec;
import dev.wisca.io.WiscaException;
import dev.wisca.io.codec.Codecs;
import dev.wisca.io.codec.ElementCodec;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.io.hf.Outputs;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rewrites a PEFT adapter with every LoRA pair replaced by its {@link LoraRefactor balanced
 * refactorization}: B'A' = BA exactly in real arithmetic (rounded once to the stored dtype), and each
 * singular direction has equal norm in A' and B'. Unlike diagonal rescaling this is not a plan (no
 * undo); pairs with B = 0 (fresh adapters) are copied unchanged and reported. One pair is in memory
 * at a time.
 */
public final class LoraRebalance {
    public static final String METADATA_KEY = "wisca.lora_refactor";

    /** What was done: modules refactored and modules left alone (with why). */
    public record Result(List<String> refactored, Map<String, String> skipped) {}

    private LoraRebalance() {}

    public static Result run(Checkpoint adapter, LoraSpec spec, Path out) {
        Outputs.checkApart(out, adapter.inputs());
        List<String> done = new ArrayList<>();
        Map<String, String> skipped = new LinkedHashMap<>();
        try {
            Files.createDirectories(out);
            for (SafetensorsFile shard : adapter.shardFiles()) rewrite(shard, out.resolve(shard.path().getFileName()), spec, done, skipped);
            for (Path side : adapter.sideFiles()) Files.copy(side, out.resolve(side.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, out, null, "cannot write: " + e.getMessage(), e);
        }
        return new Result(done, skipped);
    }

    private static void rewrite(SafetensorsFile file, Path target, LoraSpec spec, List<String> done, Map<String, String> skipped) {
        try (Arena arena = Arena.ofConfined()) {
            Map<String, String> metadata = new LinkedHashMap<>(file.metadata());
            metadata.put(METADATA_KEY, "balanced refactorization B'A' = BA, |A'_i| = |B'_i| per singular direction");
            Map<String, double[][]> pending = new HashMap<>();
            try (SafetensorsWriter writer = SafetensorsWriter.create(target, file.tensors().stream().map(TensorSpec::of).toList(), metadata)) {
                for (TensorSpec ts : writer.fileOrder()) {
                    Tensor t = file.tensor(ts.name());
                    String module = module(ts.name(), spec);
                    if (module == null) {
                        writer.write(ts.name(), t.data());
                        continue;
                    }
                    if (!pending.containsKey(ts.name())) solvePair(file, spec, module, pending, done, skipped);
                    double[][] values = pending.remove(ts.name());
                    writer.write(ts.name(), values == null ? t.data() : encode(values, t, arena));
                }
                writer.commit();
            }
        }
    }

    private static void solvePair(SafetensorsFile file, LoraSpec spec, String module, Map<String, double[][]> pending,
                                  List<String> done, Map<String, String> skipped) {
        Tensor a = file.find(spec.aName(module)).orElseThrow(() -> new WiscaException(ErrorKind.TENSOR_NOT_FOUND, file.path(),
            spec.aName(module), "LoRA B factor without its A factor in the same file"));
        Tensor b = file.find(spec.bName(module)).orElseThrow(() -> new WiscaException(ErrorKind.TENSOR_NOT_FOUND, file.path(),
            spec.bName(module), "LoRA A factor without its B factor in the same file"));
        double[][] am = matrix(a);
        double[][] bm = matrix(b);
        if (isZero(bm)) {
            skipped.put(module, "B is zero (fresh adapter): nothing to balance");
            return;
        }
        LoraRefactor.Factors f = LoraRefactor.balance(am, bm);
        pending.put(a.name(), f.a());
        pending.put(b.name(), f.b());
        done.add(module);
    }

    private static String module(String name, LoraSpec spec) {
        if (name.endsWith(spec.aSuffix())) return name.substring(0, name.length() - spec.aSuffix().length());
        if (name.endsWith(spec.bSuffix())) return name.substring(0, name.length() - spec.bSuffix().length());
        return null;
    }

    private static double[][] matrix(Tensor t) {
        long[] shape = t.shape();
        if (shape.length != 2) throw new WiscaException(ErrorKind.INVALID_CONFIG, t.file(), t.name(), "LoRA factors must be 2-D");
        ElementCodec codec = Codecs.of(t.dtype());
        int rows = Math.toIntExact(shape[0]);
        int cols = Math.toIntExact(shape[1]);
        double[][] m = new double[rows][cols];
        for (int i = 0; i < rows; i++) codec.decode(t.data(), (long) i * cols, m[i], 0, cols);
        return m;
    }

    private static MemorySegment encode(double[][] m, Tensor like, Arena arena) {
        ElementCodec codec = Codecs.of(like.dtype());
        MemorySegment seg = arena.allocate(like.data().byteSize());
        int cols = m[0].length;
        for (int i = 0; i < m.length; i++) codec.encode(m[i], 0, cols, seg, (long) i * cols);
        return seg;
    }

    private static boolean isZero(double[][] m) {
        for (double[] row : m) for (double v : row) if (v != 0) return false;
        return true;
    }
}
