package dev.wisca.io.hf;

import dev.wisca.io.ChunkFiller;
import dev.wisca.io.codec.ElementCodec;
import java.lang.foreign.MemorySegment;

/** Fills chunks of a tensor converted element by element: exact decode to double, one rounding on encode. */
final class DtypeConversion implements ChunkFiller {
    private static final int BLOCK = 4096;

    private final MemorySegment source;
    private final ElementCodec from;
    private final ElementCodec to;
    private final long outBytes;
    private final double[] block = new double[BLOCK];

    DtypeConversion(MemorySegment source, ElementCodec from, ElementCodec to) {
        this.source = source;
        this.from = from;
        this.to = to;
        this.outBytes = to.dtype().byteSize();
    }

    @Override
    public void fill(MemorySegment chunk, long byteOffset) {
        if (byteOffset % outBytes != 0 || chunk.byteSize() % outBytes != 0) {
            throw new IllegalStateException("chunk [" + byteOffset + ", +" + chunk.byteSize() + ") splits a " + to.dtype() + " element");
        }
        long first = byteOffset / outBytes;
        long count = chunk.byteSize() / outBytes;
        for (long done = 0; done < count; done += BLOCK) {
            int n = (int) Math.min(BLOCK, count - done);
            from.decode(source, first + done, block, n);
            to.encode(block, n, chunk, done);
        }
    }
}
