package dev.wisca.rescale.forward.djl;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.Tensor;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.forward.ComputeDevice;
import dev.wisca.rescale.forward.ForwardConfig;
import dev.wisca.rescale.forward.ForwardConfigs;
import dev.wisca.rescale.forward.ForwardModel;
import dev.wisca.rescale.forward.ForwardOptions;
import dev.wisca.rescale.forward.Logits;
import dev.wisca.rescale.forward.ModelSource;
import dev.wisca.rescale.forward.Precision;
import dev.wisca.rescale.forward.TokenChecks;
import dev.wisca.rescale.spec.Roles;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.LongStream;

/**
 * The forward pass on DJL's PyTorch engine (offline CPU natives; a GPU when asked and found).
 * Weights are read layer by layer from the source on every call, into a per-layer sub-manager, so
 * memory holds one layer's weights plus activations.
 */
public final class DjlForward implements ForwardModel {
    static final String ENGINE = "PyTorch";
    /** Elements of the LM head multiplied at a time: 128 MiB in f64. */
    private static final long HEAD_BLOCK_ELEMENTS = 1L << 24;

    private final ModelSource source;
    private final ForwardConfig config;
    private final NDManager manager;
    private final DataType type;

    private DjlForward(ModelSource source, ForwardConfig config, NDManager manager, DataType type) {
        this.source = source;
        this.config = config;
        this.manager = manager;
        this.type = type;
    }

    /** Resolves the model and starts the engine; INVALID_ARGUMENT when a GPU is asked for and none is found. */
    public static DjlForward open(ModelSource source, ForwardOptions options) {
        ForwardConfig config = ForwardConfigs.resolve(source.binding());
        Engine engine = engine();
        Device device = device(engine, options.device());
        DataType type = options.precision() == Precision.F64 ? DataType.FLOAT64 : DataType.FLOAT32;
        return new DjlForward(source, config, engine.newBaseManager(device), type);
    }

    public static DjlForward open(ModelSource source) { return open(source, ForwardOptions.defaults()); }

    private static Engine engine() {
        try {
            return Engine.getEngine(ENGINE);
        } catch (EngineException | IllegalArgumentException e) {
            throw new WiscaException(ErrorKind.IO, null, null, "cannot start DJL's PyTorch engine (is pytorch-native-cpu and "
                + "pytorch-jni on the class path, and -Dai.djl.offline=true set?): " + e.getMessage(), e);
        }
    }

    private static Device device(Engine engine, ComputeDevice wanted) {
        if (wanted == ComputeDevice.CPU) return Device.cpu();
        if (engine.getGpuCount() == 0) {
            throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null, "setting 'device' gpu: DJL's PyTorch engine finds no GPU "
                + "(the bundled natives are CPU-only unless CUDA natives are installed); use setting 'device' cpu");
        }
        try (NDManager probe = engine.newBaseManager(Device.gpu())) {
            probe.zeros(new Shape(1)).toDoubleArray();
        } catch (RuntimeException e) {
            throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null, "setting 'device' gpu: DJL sees a GPU but cannot use it ("
                + e.getMessage() + "); the bundled PyTorch natives are CPU-only; use setting 'device' cpu", e);
        }
        return Device.gpu();
    }

    @Override
    public ForwardConfig config() { return config; }

    /** The device the engine computes on. */
    public Device device() { return manager.getDevice(); }

    @Override
    public Logits logits(int[][] tokens) {
        TokenChecks.check(tokens, config);
        int batch = tokens.length;
        int seq = tokens[0].length;
        try (NDManager call = manager.newSubManager()) {
            DjlRope rope = config.rope() == null ? null : new DjlRope(config.rope().forLength(seq), config.ropePairing(), config.headDim(), seq, call, type);
            NDArray causal = config.encoder() != null ? DjlEncoder.noMask(call, seq, type) : causalMask(call, seq, 0);
            NDArray sliding = config.slidingWindow().any() ? causalMask(call, seq, config.slidingWindow().size()) : causal;
            DjlRope slidingRope = config.slidingRope() == null ? rope : new DjlRope(config.slidingRope().forLength(seq), config.ropePairing(), config.headDim(), seq, call, type);
            NDArray chunked = config.chunks() == null ? causal : DjlChunksAndNoRope.chunkMask(call, seq, config.chunks().size(), type);
            DjlBlocks blocks = new DjlBlocks(config, rope, slidingRope, causal, sliding, chunked);
            NDArray x = config.encoder() != null ? encoderEmbed(call, blocks, tokens) : embed(call, tokens);
            for (int layer = 0; layer < config.layers(); layer++) {
                try (NDManager scope = call.newSubManager()) {
                    NDArray in = x;
                    NDArray out = blocks.layer(in, new DjlWeights(source, scope, type), layer);
                    out.attach(call);
                    x = out;
                }
            }
            if (config.encoder() != null) return new Logits(batch, seq, config.hidden(), x.toType(DataType.FLOAT64, false).toDoubleArray());
            try (NDManager scope = call.newSubManager()) {
                DjlWeights w = new DjlWeights(source, scope, type);
                NDArray h = blocks.norm(x, w, Roles.FINAL_NORM, -1);
                NDArray logits = headLogits(h, w, config.tied() ? Roles.EMBED : Roles.LM_HEAD, HEAD_BLOCK_ELEMENTS);
                logits = w.optional(Roles.bias(Roles.LM_HEAD), -1, 0).map(logits::add).orElse(logits);
                logits = DjlBlocks.logitMultipliers(logits, config.multipliers());
                double cap = config.finalSoftcap();
                if (cap != 0) logits = logits.div(cap).tanh().mul(cap);
                double[] values = logits.toType(DataType.FLOAT64, false).toDoubleArray();
                return new Logits(batch, seq, config.vocab(), values);
            }
        }
    }

    private NDArray embed(NDManager call, int[][] tokens) {
        int seq = tokens[0].length;
        long[] ids = new long[tokens.length * seq];
        for (int b = 0; b < tokens.length; b++) for (int t = 0; t < seq; t++) ids[b * seq + t] = tokens[b][t];
        try (NDManager scope = call.newSubManager()) {
            DjlWeights w = new DjlWeights(source, scope, type);
            long[] distinct = LongStream.of(ids).distinct().sorted().toArray();
            NDArray x = embedRows(w, scope, distinct).get(new NDIndex("{}", scope.create(indexIn(distinct, ids), new Shape(tokens.length, seq))));
            if (config.embedScale() != 1) x = x.mul(config.embedScale());
            if (config.learnedPositions()) {
                NDArray positions = w.matrix(Roles.POSITIONS, -1, 0);
                if (seq > positions.getShape().get(0)) {
                    throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null, seq + " tokens exceed the "
                        + positions.getShape().get(0) + " learned positions");
                }
                x = x.add(positions.get(":" + seq));
            }
            x.attach(call);
            return x;
        }
    }

    /**
     * The embedding rows of {@code distinct} (ascending token ids): read one row at a time where the binding
     * allows, so that the table is never held whole in the compute type.
     */
    private static NDArray embedRows(DjlWeights w, NDManager scope, long[] distinct) {
        Optional<Tensor> plain = w.plain(Roles.EMBED, -1);
        if (plain.isEmpty()) return w.matrix(Roles.EMBED, -1, 0).get(new NDIndex("{}", scope.create(distinct)));
        NDList rows = new NDList();
        for (long id : distinct) rows.add(w.rows(plain.get(), id, id + 1));
        NDArray table = NDArrays.concat(rows, 0);
        rows.close();
        return table;
    }

    /** Each of {@code ids}' index in {@code distinct} (ascending). */
    private static long[] indexIn(long[] distinct, long[] ids) {
        long[] out = new long[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = Arrays.binarySearch(distinct, ids[i]);
        return out;
    }

    /**
     * {@code h · head^T} over the vocabulary, a block of the head's rows at a time where the binding allows
     * ({@link DjlWeights#plain}): the head is a model's largest matrix (128k × 4096 is 4.2 GB in f64),
     * and only a block of it is held in the compute type at once.
     */
    static NDArray headLogits(NDArray h, DjlWeights w, String role, long blockElements) {
        Optional<Tensor> plain = w.plain(role, -1);
        long hidden = h.getShape().get(h.getShape().dimension() - 1);
        long block = Math.max(1, blockElements / hidden);
        if (plain.isEmpty()) return h.matMul(w.matrix(role, -1, 0).transpose());
        long rows = plain.get().shape()[0];
        NDList parts = new NDList();
        for (long from = 0; from < rows; from += block) {
            NDArray head = w.rows(plain.get(), from, Math.min(rows, from + block));
            parts.add(h.matMul(head.transpose()));
            head.close();
        }
        if (parts.size() == 1) return parts.head();
        NDArray logits = NDArrays.concat(parts, -1);
        parts.close();
        return logits;
    }

    private NDArray encoderEmbed(NDManager call, DjlBlocks blocks, int[][] tokens) {
        try (NDManager scope = call.newSubManager()) {
            NDArray x = DjlEncoder.embed(config, blocks, new DjlWeights(source, scope, type), scope, tokens);
            x.attach(call);
            return x;
        }
    }

    /** [seq, seq]: 0 where position i may attend to j (j ≤ i, and i − j < window unless window is 0), −∞ elsewhere. */
    private NDArray causalMask(NDManager call, int seq, int window) {
        double[] mask = new double[seq * seq];
        for (int i = 0; i < seq; i++) {
            for (int j = 0; j < seq; j++) {
                if (j > i || window > 0 && i - j >= window) mask[i * seq + j] = Double.NEGATIVE_INFINITY;
            }
        }
        return call.create(mask, new Shape(seq, seq)).toType(type, false);
    }

    @Override
    public void close() { manager.close(); }
}
