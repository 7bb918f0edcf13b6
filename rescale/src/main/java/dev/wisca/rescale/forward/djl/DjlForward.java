package dev.wisca.rescale.forward.djl;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.wisca.io.ErrorKind;
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

/**
 * The forward pass on DJL's PyTorch engine (offline CPU natives; a GPU when asked and found).
 * Weights are read layer by layer from the source on every call, into a per-layer sub-manager, so
 * memory holds one layer's weights plus activations.
 */
public final class DjlForward implements ForwardModel {
    static final String ENGINE = "PyTorch";

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
                NDArray head = config.tied() ? w.matrix(Roles.EMBED, -1, 0) : w.matrix(Roles.LM_HEAD, -1, 0);
                NDArray logits = h.matMul(head.transpose());
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
            NDArray table = w.matrix(Roles.EMBED, -1, 0);
            NDArray x = table.get(new NDIndex("{}", scope.create(ids, new Shape(tokens.length, seq))));
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
