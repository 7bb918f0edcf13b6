package dev.wisca.io;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** jqwik generators of small valid safetensors files (every dtype, odd names, metadata, any JSON order). */
final class Checkpoints {
    private Checkpoints() {}

    static Arbitrary<BuiltFile> files() {
        Arbitrary<List<BuiltFile.Spec>> layouts = specs().list().ofMaxSize(6).uniqueElements(BuiltFile.Spec::name);
        Arbitrary<Map<String, String>> metadata = Combinators.combine(names(), names()).as(Map::entry)
            .list().ofMaxSize(3).uniqueElements(Map.Entry::getKey)
            .map(entries -> {
                Map<String, String> map = new LinkedHashMap<>();
                entries.forEach(e -> map.put(e.getKey(), e.getValue()));
                return map;
            });
        return Combinators.combine(layouts, metadata, Arbitraries.longs(), Arbitraries.integers().between(0, 6),
                Arbitraries.integers().between(0, 9))
            .as((layout, meta, shuffleSeed, metadataSlot, spaces) -> {
                List<Integer> jsonOrder = new ArrayList<>(IntStream.range(0, layout.size()).boxed().toList());
                Collections.shuffle(jsonOrder, new Random(shuffleSeed));
                return BuiltFile.build(layout, meta, jsonOrder, metadataSlot, spaces);
            });
    }

    static Arbitrary<String> names() {
        Arbitrary<String> plain = Arbitraries.strings().withCharRange('a', 'z').withChars("._0123456789").ofMaxLength(12);
        Arbitrary<String> odd = Arbitraries.strings().withChars("a.\"\\\n\t\u0001é中\u007f").ofMaxLength(6)
            .map(s -> s.replace("中", "中😀"));
        return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(6, plain), net.jqwik.api.Tuple.of(2, odd), net.jqwik.api.Tuple.of(1, Arbitraries.just("")))
            .filter(name -> !name.equals(HeaderJson.METADATA_KEY));
    }

    static Arbitrary<BuiltFile.Spec> specs() {
        Arbitrary<long[]> shapes = Arbitraries.longs().between(0, 5).list().ofMaxSize(3)
            .map(dims -> dims.stream().mapToLong(Long::longValue).toArray());
        return Combinators.combine(names(), Arbitraries.of(Dtype.class), shapes, Arbitraries.longs())
            .as(Checkpoints::spec);
    }

    /** Widens the shape so sub-byte dtypes fill whole bytes, then fills random data. */
    private static BuiltFile.Spec spec(String name, Dtype dtype, long[] shape, long seed) {
        long[] dims = shape;
        if (dtype.bits() % 8 != 0) {
            dims = java.util.Arrays.copyOf(shape, shape.length + 1);
            dims[shape.length] = 8 / Math.abs(gcd(dtype.bits(), 8));
        }
        long elements = 1;
        for (long d : dims) elements *= d;
        byte[] data = new byte[Math.toIntExact(elements * dtype.bits() / 8)];
        new Random(seed).nextBytes(data);
        return new BuiltFile.Spec(name, dtype, dims, data);
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
