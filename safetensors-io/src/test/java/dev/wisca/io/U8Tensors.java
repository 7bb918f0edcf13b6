package dev.wisca.io;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Test helper: one-dimensional U8 tensors given as name -> length, in file order (the names' order). */
final class U8Tensors {
    private U8Tensors() {}

    static List<TensorSpec> specs(Map<String, Integer> sizes) {
        return sizes.entrySet().stream().map(e -> new TensorSpec(e.getKey(), Dtype.U8, new long[] {e.getValue()})).toList();
    }

    /** Random bytes for each tensor, from one seeded stream taken in {@code sizes}' order. */
    static Map<String, byte[]> random(Map<String, Integer> sizes, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, byte[]> values = new LinkedHashMap<>();
        sizes.forEach((name, size) -> {
            byte[] bytes = new byte[size];
            random.nextBytes(bytes);
            values.put(name, bytes);
        });
        return values;
    }
}
