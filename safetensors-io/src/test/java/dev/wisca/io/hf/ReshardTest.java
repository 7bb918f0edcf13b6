package dev.wisca.io.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.SafetensorsFile;
import dev.wisca.io.SafetensorsWriter;
import dev.wisca.io.Tensor;
import dev.wisca.io.TensorSpec;
import dev.wisca.io.WiscaException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReshardTest {
    @TempDir Path dir;

    private static final List<TensorSpec> MIXED = List.of(
        new TensorSpec("w32", Dtype.F32, new long[] {3, 5}),
        new TensorSpec("w64", Dtype.F64, new long[] {7}),
        new TensorSpec("wbf", Dtype.BF16, new long[] {4}),
        new TensorSpec("ids", Dtype.I32, new long[] {6}),
        new TensorSpec("cplx", Dtype.C64, new long[] {2}),
        new TensorSpec("packed", Dtype.F4, new long[] {8}),
        new TensorSpec("mask", Dtype.BOOL, new long[] {3}));

    @Test
    void fileInFileOutConvertsFloatsAndCopiesTheRest() {
        Path in = dir.resolve("in.safetensors");
        Map<String, byte[]> data = Fixtures.randomData(MIXED, 1);
        data.put("w32", f32Bytes(randomFloats(15, 2)));
        data.put("w64", f64Bytes(new Random(3).doubles(7, -1e3, 1e3).toArray()));
        try (SafetensorsWriter w = SafetensorsWriter.create(in, MIXED, Map.of("format", "pt", "source", "test"))) {
            for (TensorSpec s : w.fileOrder()) w.write(s.name(), MemorySegment.ofArray(data.get(s.name())));
            w.commit();
        }
        Path out = dir.resolve("out.safetensors");
        Reshard.Result result = Reshard.run(in, out, 1, Optional.of(Dtype.BF16));
        assertEquals(2, result.convertedTensors());
        assertEquals(List.of("in.safetensors", "out.safetensors"), CheckpointWriterTest.names(dir));

        try (SafetensorsFile read = SafetensorsFile.open(out)) {
            assertEquals(Map.of("format", "pt", "source", "test"), read.metadata());
            assertEquals(Dtype.BF16, read.tensor("w32").dtype());
            assertArrayEquals(new long[] {3, 5}, read.tensor("w32").shape());
            float[] w32 = MemorySegment.ofArray(data.get("w32")).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED);
            short[] got = read.tensor("w32").data().toArray(ValueLayout.JAVA_SHORT_UNALIGNED);
            for (int i = 0; i < w32.length; i++) assertEquals(bf16RoundNearestEven(w32[i]), got[i], "w32[" + i + "]");
            double[] w64 = MemorySegment.ofArray(data.get("w64")).toArray(ValueLayout.JAVA_DOUBLE_UNALIGNED);
            short[] got64 = read.tensor("w64").data().toArray(ValueLayout.JAVA_SHORT_UNALIGNED);
            for (int i = 0; i < w64.length; i++) assertEquals(bf16FromDouble(w64[i]), got64[i], "w64[" + i + "]");
            for (String same : List.of("wbf", "ids", "cplx", "packed", "mask")) {
                Tensor t = read.tensor(same);
                assertEquals(MIXED.stream().filter(s -> s.name().equals(same)).findFirst().orElseThrow().dtype(), t.dtype());
                assertArrayEquals(data.get(same), t.data().toArray(ValueLayout.JAVA_BYTE), same);
            }
        }
    }

    @Test
    void convertsATensorLargerThanOneChunk() {
        int n = (int) (SafetensorsWriter.CHUNK_BYTES / 2) + 1001;
        float[] values = randomFloats(n, 4);
        Path in = dir.resolve("big.safetensors");
        Fixtures.writeFile(in, List.of(new TensorSpec("big", Dtype.F32, new long[] {n})), Map.of("big", f32Bytes(values)));
        Path out = dir.resolve("big16.safetensors");
        Reshard.run(in, out, 1, Optional.of(Dtype.F16));
        try (SafetensorsFile read = SafetensorsFile.open(out)) {
            MemorySegment got = read.tensor("big").data();
            assertEquals(2L * n, got.byteSize());
            for (int i = 0; i < n; i += 997) assertEquals(Float.floatToFloat16(values[i]), got.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i), "element " + i);
            assertEquals(Float.floatToFloat16(values[n - 1]), got.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, n - 1));
        }
    }

    @Test
    void folderInFolderOutReshardsAndCopiesSideFiles() throws Exception {
        Path in = Files.createDirectory(dir.resolve("in"));
        List<TensorSpec> specs = List.of(
            new TensorSpec("a", Dtype.F32, new long[] {10}), new TensorSpec("b", Dtype.F32, new long[] {10}),
            new TensorSpec("c", Dtype.F32, new long[] {10}), new TensorSpec("d", Dtype.F32, new long[] {10}));
        Map<String, byte[]> data = Fixtures.randomData(specs, 5);
        Fixtures.writeCheckpoint(in, "model", specs, data, 40);
        Files.writeString(in.resolve("config.json"), "{\"model_type\": \"llama\"}\n");
        Files.writeString(in.resolve("tokenizer_config.json"), "{\"x\": 1}\n");
        Files.writeString(in.resolve("pytorch_model.bin"), "stale");

        Path out = dir.resolve("out");
        Reshard.Result result = Reshard.run(in, out, 80, Optional.empty());
        assertEquals(List.of("config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
            "model.safetensors.index.json", "tokenizer_config.json"), CheckpointWriterTest.names(out));
        assertEquals(List.of(out.resolve("model-00001-of-00002.safetensors"), out.resolve("model-00002-of-00002.safetensors")), result.weightFiles());
        assertEquals("{\"model_type\": \"llama\"}\n", Files.readString(out.resolve("config.json")));
        try (Checkpoint cp = Checkpoint.open(out)) {
            assertEquals(List.of("a", "b", "c", "d"), cp.tensors().stream().map(t -> t.name()).toList());
            CheckpointTest.assertSameTensors(data, cp);
        }
    }

    /** Resharding a folder onto itself once rewrote the input; now it is refused and the input stays as it was. */
    @Test
    void refusesToReshardAFolderOntoItself() {
        List<TensorSpec> specs = List.of(new TensorSpec("a", Dtype.F32, new long[] {10}), new TensorSpec("b", Dtype.BF16, new long[] {10}));
        Map<String, byte[]> data = Fixtures.randomData(specs, 6);
        Fixtures.writeCheckpoint(dir, "model", specs, data, 20);
        List<String> before = CheckpointWriterTest.names(dir);
        WiscaException e = assertThrows(WiscaException.class, () -> Reshard.run(dir, dir, ByteSize.parse("5GB"), Optional.empty()));
        assertEquals(ErrorKind.OUTPUT_OVERLAPS_INPUT, e.kind());
        assertEquals(before, CheckpointWriterTest.names(dir));
        try (Checkpoint cp = Checkpoint.open(dir)) {
            CheckpointTest.assertSameTensors(data, cp);
        }
    }

    @Test
    void keepsTheAdapterFileName() throws Exception {
        Path in = Files.createDirectory(dir.resolve("adapter"));
        List<TensorSpec> specs = List.of(
            new TensorSpec("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", Dtype.F32, new long[] {2, 8}),
            new TensorSpec("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight", Dtype.F32, new long[] {8, 2}));
        Fixtures.writeCheckpoint(in, "adapter_model", specs, Fixtures.randomData(specs, 7), 1L << 20);
        Files.writeString(in.resolve("adapter_config.json"), "{\"peft_type\": \"LORA\", \"r\": 2}");
        Path out = dir.resolve("out");
        Reshard.run(in, out, 1L << 20, Optional.of(Dtype.BF16));
        assertEquals(List.of("adapter_config.json", "adapter_model.safetensors"), CheckpointWriterTest.names(out));
        try (Checkpoint cp = Checkpoint.open(out)) {
            assertEquals(true, cp.isAdapter());
            assertEquals(Dtype.BF16, cp.tensors().getFirst().dtype());
        }
    }

    @Test
    void rejectsNonFloatTargetDtypes() {
        for (Dtype bad : List.of(Dtype.I32, Dtype.U8, Dtype.C64, Dtype.F4)) {
            WiscaException e = assertThrows(WiscaException.class, () -> Reshard.run(dir, dir.resolve("x"), 1, Optional.of(bad)));
            assertEquals(ErrorKind.UNSUPPORTED_DTYPE, e.kind(), bad.toString());
        }
    }

    /** Round to nearest even on the top 16 bits of an F32 (inputs are finite). */
    private static short bf16RoundNearestEven(float f) {
        int bits = Float.floatToRawIntBits(f);
        int lsb = (bits >>> 16) & 1;
        return (short) ((bits + 0x7FFF + lsb) >>> 16);
    }

    /**
     * One rounding from double, for values in F32's normal range: round the 52-bit mantissa to BF16's 7
     * bits with ties to even on the double's own bits; the result is exact as a float.
     */
    private static short bf16FromDouble(double d) {
        long bits = Double.doubleToRawLongBits(d);
        long lsb = (bits >>> 45) & 1;
        long rounded = (bits + (1L << 44) - 1 + lsb) & ~((1L << 45) - 1);
        return (short) (Float.floatToRawIntBits((float) Double.longBitsToDouble(rounded)) >>> 16);
    }

    private static float[] randomFloats(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextGaussian() * Math.pow(2, r.nextInt(20) - 10));
        return v;
    }

    private static byte[] f32Bytes(float[] v) {
        return MemorySegment.ofArray(v).toArray(ValueLayout.JAVA_BYTE);
    }

    private static byte[] f64Bytes(double[] v) {
        return MemorySegment.ofArray(v).toArray(ValueLayout.JAVA_BYTE);
    }
}
