package dev.wisca.rescale.verify;

import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.Tensor;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.TensorSource;
import dev.wisca.io.WiscaException;
import dev.wisca.io.codec.Codecs;
import dev.wisca.io.codec.ElementCodec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * A view of a checkpoint in which chosen tensors carry a rounding-sized error: every element w of
 * tensor n becomes {@code w · (1 ± u_n)}, the sign drawn at random per element from the seed and
 * the tensor's name. u_n is the most that storing a value in n's dtype moves it (half an ulp,
 * relative), so the sign-only draw has the largest variance any rounding error of that size can have.
 * Perturbed tensors are served as F32 (exact for u ≥ 2^-12, that is bf16, f16 and fp8 roundings) or
 * F64, made on each request and not kept, so memory holds what the forward pass holds.
 */
final class RoundingPerturbation implements TensorSource {
    private static final int CHUNK = 1 << 16;

    private final TensorSource source;
    private final Map<String, Double> relative;
    private final long seed;
    private final List<TensorInfo> infos = new ArrayList<>();

    /** {@code relative}: tensor name → u (tensors not named pass through unchanged). */
    RoundingPerturbation(TensorSource source, Map<String, Double> relative, long seed) {
        this.source = source;
        this.relative = Map.copyOf(relative);
        this.seed = seed;
        for (TensorInfo t : source.tensors()) {
            Double u = relative.get(t.name());
            if (u == null || !t.dtype().isFloat()) {
                infos.add(t);
                continue;
            }
            Dtype wide = storage(u);
            infos.add(new TensorInfo(t.name(), wide, t.shape(), 0, t.elementCount() * wide.byteSize()));
        }
    }

    /** F32 holds w·(1 ± 2^-k) exactly for k ≤ 12 (bf16, f16 and fp8 values have at most 11 mantissa bits); else F64. */
    private static Dtype storage(double u) { return u >= Math.scalb(1.0, -12) ? Dtype.F32 : Dtype.F64; }

    @Override
    public List<TensorInfo> tensors() { return List.copyOf(infos); }

    @Override
    public Optional<Tensor> find(String name) {
        Optional<Tensor> t = source.find(name);
        Double u = relative.get(name);
        if (t.isEmpty() || u == null || !t.get().dtype().isFloat()) return t;
        return Optional.of(perturbed(t.get(), u));
    }

    @Override
    public Tensor tensor(String name) {
        return find(name).orElseThrow(() -> new WiscaException(ErrorKind.TENSOR_NOT_FOUND, null, name, "no such tensor"));
    }

    private Tensor perturbed(Tensor t, double u) {
        if (!Codecs.hasCodec(t.dtype())) {
            throw new WiscaException(ErrorKind.UNSUPPORTED_DTYPE, t.file(), t.name(), "dtype " + t.dtype() + " cannot be decoded");
        }
        Dtype wide = storage(u);
        ElementCodec in = Codecs.of(t.dtype());
        ElementCodec out = Codecs.of(wide);
        long n = t.elementCount();
        MemorySegment data = Arena.ofAuto().allocate(Math.max(1, n * wide.byteSize()), 8).asSlice(0, n * wide.byteSize());
        SplittableRandom random = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * t.name().hashCode()));
        double[] chunk = new double[(int) Math.min(CHUNK, Math.max(n, 1))];
        for (long from = 0; from < n; from += chunk.length) {
            int count = (int) Math.min(chunk.length, n - from);
            in.decode(t.data(), from, chunk, count);
            for (int i = 0; i < count; i++) chunk[i] *= random.nextBoolean() ? 1 + u : 1 - u;
            out.encode(chunk, count, data, from);
        }
        return new Tensor(new TensorInfo(t.name(), wide, t.shape(), 0, n * wide.byteSize()), data.asReadOnly(), t.file());
    }

    @Override
    public Map<String, String> metadata() { return source.metadata(); }

    /** Frees nothing: perturbed tensors go with the garbage collector; the wrapped source stays open. */
    @Override
    public void close() { }
}
