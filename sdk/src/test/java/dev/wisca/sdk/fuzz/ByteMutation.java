package dev.wisca.sdk.fuzz;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/** One edit of a safetensors file's bytes: a bit flipped, a header digit rewritten, the length field changed, the file cut. */
sealed interface ByteMutation {
    byte[] apply(byte[] file);

    record FlipBit(int position, int bit) implements ByteMutation {
        public byte[] apply(byte[] file) {
            if (file.length == 0) return file;
            byte[] out = file.clone();
            out[Math.floorMod(position, out.length)] ^= (byte) (1 << bit);
            return out;
        }
    }

    /** Rewrites one digit of the header (a dimension or an offset). */
    record EditDigit(int which, byte digit) implements ByteMutation {
        public byte[] apply(byte[] file) {
            int end = file.length < 8 ? file.length : (int) Math.min(file.length, 8 + Math.max(0, length(file)));
            int[] digits = java.util.stream.IntStream.range(Math.min(8, end), end).filter(i -> file[i] >= '0' && file[i] <= '9').toArray();
            if (digits.length == 0) return file;
            byte[] out = file.clone();
            out[digits[Math.floorMod(which, digits.length)]] = digit;
            return out;
        }
    }

    record SetLength(long value) implements ByteMutation {
        public byte[] apply(byte[] file) {
            if (file.length < 8) return file;
            byte[] out = file.clone();
            ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value);
            return out;
        }
    }

    record Truncate(int keep) implements ByteMutation {
        public byte[] apply(byte[] file) { return Arrays.copyOf(file, Math.floorMod(keep, file.length + 1)); }
    }

    private static long length(byte[] file) {
        return ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    }

    static Arbitrary<List<ByteMutation>> mutations() {
        Arbitrary<Integer> anywhere = Arbitraries.integers();
        Arbitrary<ByteMutation> one = Arbitraries.oneOf(
            Combinators.combine(anywhere, Arbitraries.integers().between(0, 7)).as(FlipBit::new),
            Combinators.combine(anywhere, Arbitraries.bytes().between((byte) '0', (byte) '9')).as(EditDigit::new),
            Combinators.combine(anywhere, Arbitraries.bytes().between((byte) '0', (byte) '9')).as(EditDigit::new),
            Arbitraries.longs().map(SetLength::new),
            anywhere.map(Truncate::new));
        return one.list().ofMinSize(1).ofMaxSize(3);
    }
}
