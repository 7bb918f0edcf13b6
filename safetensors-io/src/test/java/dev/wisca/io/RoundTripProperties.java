package dev.wisca.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

/** Write random tensors of every dtype, read them back with the reader: same names, dtypes, shapes, bytes, alignment. */
class RoundTripProperties {
    private Path dir;

    @BeforeProperty
    void createDir() throws Exception {
        dir = Files.createTempDirectory("roundtrip");
    }

    @AfterProperty
    void deleteDir() throws Exception {
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) Files.delete(p);
        }
        Files.delete(dir);
    }

    @Property(tries = 60)
    void writtenFilesReadBackExactly(@ForAll("specs") @Size(max = 8) List<TensorSpec> specs, @ForAll long seed) {
        Map<String, String> metadata = new LinkedHashMap<>();
        if (seed % 3 != 0) metadata.put("format", "pt");
        if (seed % 5 == 0) metadata.put("note", "é\"\\" + seed);
        Random random = new Random(seed);
        Map<String, byte[]> data = new HashMap<>();
        for (TensorSpec s : specs) {
            byte[] b = new byte[(int) s.byteLength()];
            random.nextBytes(b);
            data.put(s.name(), b);
        }
        Path file = dir.resolve("t" + Long.toHexString(seed) + ".safetensors");
        Header planned;
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, specs, metadata)) {
            planned = writer.header();
            for (TensorSpec s : writer.fileOrder()) writer.write(s.name(), MemorySegment.ofArray(data.get(s.name())));
            writer.commit();
        }

        try (SafetensorsFile read = SafetensorsFile.open(file)) {
            assertEquals(planned, read.header());
            assertEquals(metadata, read.metadata());
            assertEquals(specs.size(), read.tensors().size());
            for (TensorSpec s : specs) {
                Tensor t = read.tensor(s.name());
                assertEquals(s.dtype(), t.dtype());
                assertArrayEquals(s.shape(), t.shape());
                assertArrayEquals(data.get(s.name()), t.data().toArray(ValueLayout.JAVA_BYTE), s.name());
                int size = s.dtype().byteSize();
                if (size > 0) assertEquals(0, (read.header().dataStart() + t.info().begin()) % size, "alignment of " + s.name());
            }
        }
    }

    @Example
    void everyDtypeRoundTrips() {
        List<TensorSpec> specs = new ArrayList<>();
        for (Dtype d : Dtype.values()) specs.add(new TensorSpec("t_" + d, d, new long[] {3, 4}));
        writtenFilesReadBackExactly(specs, 10);
    }

    @Provide
    Arbitrary<List<TensorSpec>> specs() {
        Arbitrary<String> names = Arbitraries.strings().withChars("abcxyz._0123é\"\\\nZ").ofMinLength(1).ofMaxLength(6).map(n -> n.replace("Z", "😀"))
            .filter(n -> !n.equals("__metadata__"));
        Arbitrary<Dtype> dtypes = Arbitraries.of(Dtype.class);
        Arbitrary<long[]> shapes = Arbitraries.longs().between(0, 5).array(long[].class).ofMaxSize(3);
        Arbitrary<TensorSpec> spec = Combinators.combine(names, dtypes, shapes).as(RoundTripProperties::wholeBytes);
        return spec.list().ofMaxSize(8).uniqueElements(TensorSpec::name);
    }

    /** F4/F6 tensors need a whole number of bytes: append a dimension that makes the bits a multiple of 8. */
    private static TensorSpec wholeBytes(String name, Dtype dtype, long[] shape) {
        List<Long> dims = new ArrayList<>();
        for (long d : shape) dims.add(d);
        if (dtype.bits() % 8 != 0) dims.add(4L);
        return new TensorSpec(name, dtype, dims.stream().mapToLong(Long::longValue).toArray());
    }
}
