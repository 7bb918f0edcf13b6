package dev.wisca.io.torch;

import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.Unpickler;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the {@code data.pkl} of a torch.save archive (pickle protocol 2) into plain Java values:
 * dicts as maps, lists as lists, tuples as arrays, tensors as {@link StoredTensor}s. Read-only:
 * nothing of the pickle is executed or rewritten; globals other than torch's tensor rebuild, its
 * storage classes and {@code OrderedDict} are inert (a reduce of one fails and is reported).
 */
public final class TorchPickle {
    /** torch's typed storage classes (what torch.save writes for backward compatibility) and their element types. */
    private static final Map<String, Optional<Dtype>> STORAGES = storages();

    static {
        Unpickler.registerConstructor("torch._utils", "_rebuild_tensor_v2", TorchPickle::rebuildTensor);
        Unpickler.registerConstructor("collections", "OrderedDict", args -> new LinkedHashMap<>());
        STORAGES.forEach((name, dtype) -> Unpickler.registerConstructor("torch", name, new StorageClass(name, dtype)));
    }

    private TorchPickle() {}

    /** A storage class pushed by GLOBAL; only ever used inside a persistent id. */
    private record StorageClass(String name, Optional<Dtype> dtype) implements IObjectConstructor {
        @Override
        public Object construct(Object[] args) { throw new PickleException("torch." + name + " is not constructed in a state dict"); }
    }

    /** What a persistent id {@code ('storage', class, key, location, numel)} stands for. */
    private record StorageRef(StorageClass type, String key, long elements) {}

    /** Parses {@code pickle} ({@code path} names the archive in errors). */
    public static Object read(byte[] pickle, Path path) {
        Unpickler unpickler = new Unpickler() {
            @Override
            protected Object persistentLoad(Object pid) {
                if (pid instanceof Object[] t && t.length == 5 && "storage".equals(t[0]) && t[1] instanceof StorageClass type
                    && t[2] instanceof String key) {
                    return new StorageRef(type, key, integer(t[4]));
                }
                throw new PickleException("unexpected persistent id (not a torch storage)");
            }
        };
        try {
            return unpickler.loads(pickle);
        } catch (IOException | RuntimeException e) {
            // razorvine reports a malformed pickle with many exception types (stack underflow, casts, ...)
            throw WiscaException.of(ErrorKind.INVALID_OPTIMIZER_STATE, path, "cannot read its data.pkl: " + e);
        } finally {
            unpickler.close();
        }
    }

    /** {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])}. */
    private static Object rebuildTensor(Object[] args) {
        if (args.length < 4 || !(args[0] instanceof StorageRef s) || !(args[2] instanceof Object[] size)
            || !(args[3] instanceof Object[] stride) || size.length != stride.length) {
            throw new PickleException("unexpected arguments of _rebuild_tensor_v2");
        }
        return new StoredTensor(s.key(), s.type().name(), s.type().dtype(), s.elements(), integer(args[1]), longs(size), longs(stride));
    }

    private static long[] longs(Object[] values) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) out[i] = integer(values[i]);
        return out;
    }

    /** A pickled int (razorvine gives Integer, Long or BigInteger by size). */
    static long integer(Object v) {
        if (v instanceof Integer i) return i;
        if (v instanceof Long l) return l;
        if (v instanceof BigInteger b) return b.longValueExact();
        throw new PickleException("expected an int, found " + (v == null ? "None" : v.getClass().getSimpleName()));
    }

    private static Map<String, Optional<Dtype>> storages() {
        Map<String, Optional<Dtype>> m = new LinkedHashMap<>();
        m.put("FloatStorage", Optional.of(Dtype.F32));
        m.put("DoubleStorage", Optional.of(Dtype.F64));
        m.put("HalfStorage", Optional.of(Dtype.F16));
        m.put("BFloat16Storage", Optional.of(Dtype.BF16));
        m.put("LongStorage", Optional.of(Dtype.I64));
        m.put("IntStorage", Optional.of(Dtype.I32));
        m.put("ShortStorage", Optional.of(Dtype.I16));
        m.put("CharStorage", Optional.of(Dtype.I8));
        m.put("ByteStorage", Optional.of(Dtype.U8));
        m.put("BoolStorage", Optional.of(Dtype.BOOL));
        for (String other : new String[] {"ComplexFloatStorage", "ComplexDoubleStorage", "QInt8Storage", "QUInt8Storage", "QInt32Storage"}) {
            m.put(other, Optional.empty());
        }
        return Map.copyOf(m);
    }
}
