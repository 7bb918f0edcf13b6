package dev.wisca.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.statistics.Statistics;

/**
 * Valid files mutated at random (bit flips, truncation, appended bytes, header edits, length-field
 * edits) either open and read completely or fail with a WiscaException; nothing else, no hang.
 */
@Tag("slow")
class MutationFuzzTest {
    /** A guard against hangs, far above the milliseconds one file takes. */
    private static final Duration HANG_LIMIT = Duration.ofSeconds(30);

    /** One edit of a whole file's bytes. Positions are reduced modulo the relevant length. */
    sealed interface Mutation {
        byte[] apply(byte[] file);
    }

    record FlipBit(int position, int bit) implements Mutation {
        public byte[] apply(byte[] file) {
            if (file.length == 0) return file;
            byte[] out = file.clone();
            out[Math.floorMod(position, out.length)] ^= (byte) (1 << bit);
            return out;
        }
    }

    record Truncate(int keep) implements Mutation {
        public byte[] apply(byte[] file) { return Arrays.copyOf(file, Math.floorMod(keep, file.length + 1)); }
    }

    record Append(byte[] extra) implements Mutation {
        public byte[] apply(byte[] file) { return TestFiles.concat(file, extra); }
        @Override public String toString() { return "Append" + Arrays.toString(extra); }
    }

    record SetHeaderByte(int position, byte value) implements Mutation {
        public byte[] apply(byte[] file) {
            int headerEnd = headerEnd(file);
            if (headerEnd <= 8) return file;
            byte[] out = file.clone();
            out[8 + Math.floorMod(position, headerEnd - 8)] = value;
            return out;
        }
    }

    /** Inserts or deletes header bytes, keeping N right or leaving it stale. */
    record ResizeHeader(int position, byte[] inserted, int deleted, boolean fixLength) implements Mutation {
        public byte[] apply(byte[] file) {
            int headerEnd = headerEnd(file);
            if (headerEnd <= 8) return file;
            int at = 8 + Math.floorMod(position, headerEnd - 8);
            int cut = Math.min(deleted, headerEnd - at);
            byte[] out = TestFiles.concat(Arrays.copyOf(file, at), inserted, Arrays.copyOfRange(file, at + cut, file.length));
            if (fixLength) setLength(out, headerEnd - 8 + inserted.length - cut);
            return out;
        }
        @Override public String toString() { return "ResizeHeader[" + position + ", " + Arrays.toString(inserted) + ", " + deleted + ", " + fixLength + "]"; }
    }

    /** Rewrites one digit of the header (a dimension or an offset), reaching the per-tensor checks. */
    record EditDigit(int which, byte digit) implements Mutation {
        public byte[] apply(byte[] file) {
            int headerEnd = headerEnd(file);
            int[] digits = java.util.stream.IntStream.range(Math.min(8, headerEnd), headerEnd)
                .filter(i -> file[i] >= '0' && file[i] <= '9').toArray();
            if (digits.length == 0) return file;
            byte[] out = file.clone();
            out[digits[Math.floorMod(which, digits.length)]] = digit;
            return out;
        }
    }

    /** Replaces N with a value near it or with arbitrary 64 bits. */
    record SetLength(long delta, boolean absolute) implements Mutation {
        public byte[] apply(byte[] file) {
            if (file.length < 8) return file;
            byte[] out = file.clone();
            setLength(out, absolute ? delta : length(file) + delta);
            return out;
        }
    }

    private static long length(byte[] file) {
        return ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    }

    private static void setLength(byte[] file, long n) {
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putLong(0, n);
    }

    /** End of the header region as N says, clamped to the file. */
    private static int headerEnd(byte[] file) {
        if (file.length < 8) return file.length;
        long n = length(file);
        return n < 0 || n > file.length - 8 ? file.length : (int) (8 + n);
    }

    @Provide
    Arbitrary<BuiltFile> files() {
        return Checkpoints.files();
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        Arbitrary<Integer> anywhere = Arbitraries.integers();
        Arbitrary<Byte> jsonish = Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(4, Arbitraries.of("{}[]\":,0123456789-.eE \\unltrfaF3UI8_".chars().mapToObj(c -> (byte) c).toList())),
            net.jqwik.api.Tuple.of(1, Arbitraries.bytes()));
        Arbitrary<Mutation> one = Arbitraries.oneOf(
            Combinators.combine(anywhere, Arbitraries.integers().between(0, 7)).as(FlipBit::new),
            anywhere.map(Truncate::new),
            Arbitraries.bytes().array(byte[].class).ofMaxSize(16).map(Append::new),
            Combinators.combine(anywhere, jsonish).as(SetHeaderByte::new),
            Combinators.combine(anywhere, jsonish.array(byte[].class).ofMaxSize(4), Arbitraries.integers().between(0, 4),
                Arbitraries.of(true, false)).as(ResizeHeader::new),
            Combinators.combine(anywhere, Arbitraries.bytes().between((byte) '0', (byte) '9')).as(EditDigit::new),
            Combinators.combine(anywhere, Arbitraries.bytes().between((byte) '0', (byte) '9')).as(EditDigit::new),
            Arbitraries.longs().between(-24, 24).map(delta -> new SetLength(delta, false)),
            Arbitraries.longs().map(bits -> new SetLength(bits, true)));
        return one.list().ofMinSize(1).ofMaxSize(3);
    }

    @Property(tries = 1500)
    void mutatedFilesOpenOrFailWithWiscaException(@ForAll("files") BuiltFile built, @ForAll("mutations") List<Mutation> mutations)
            throws IOException {
        byte[] bytes = built.bytes();
        for (Mutation m : mutations) bytes = m.apply(bytes);
        Path path = Files.createTempFile("fuzz", ".safetensors");
        String outcome;
        try {
            Files.write(path, bytes);
            outcome = assertTimeoutPreemptively(HANG_LIMIT, () -> openAndReadEverything(path));
        } finally {
            Files.deleteIfExists(path);
        }
        Statistics.label("outcome").collect(outcome);
        Statistics.label("outcome").coverage(c -> {
            c.check("ok").count(n -> n > 0);
            c.check("InvalidHeaderDeserialization").count(n -> n > 0);
            c.check("HeaderTooLarge").count(n -> n > 0);
            c.check("MetadataIncompleteBuffer").count(n -> n > 0);
            c.check("InvalidOffset").count(n -> n > 0);
            c.check("TensorInvalidInfo").count(n -> n > 0);
        });
    }

    /** "ok" after touching every element, or the error kind; anything else escapes and fails the property. */
    private static String openAndReadEverything(Path path) {
        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            for (TensorInfo info : file.tensors()) {
                Tensor tensor = file.tensor(info.name());
                assertEquals(info.byteLength(), tensor.data().byteSize());
                readAll(tensor);
            }
            return "ok";
        } catch (WiscaException e) {
            return e.kind().displayName();
        }
    }

    private static long readAll(Tensor tensor) {
        MemorySegment data = tensor.data();
        long sum = 0;
        for (long i = 0; i < data.byteSize(); i++) sum += data.get(ValueLayout.JAVA_BYTE, i);
        long elements = tensor.elementCount();
        for (long i = 0; i < elements && tensor.dtype().byteSize() > 0; i++) {
            sum += switch (tensor.dtype().byteSize()) {
                case 1 -> Elements.i8(data, i);
                case 2 -> Elements.i16(data, i);
                case 4 -> tensor.dtype() == Dtype.F32 ? (long) Elements.f32(data, i) : Elements.i32(data, i);
                default -> tensor.dtype() == Dtype.F64 ? (long) Elements.f64(data, i) : Elements.i64(data, i);
            };
        }
        return sum;
    }
}
