package dev.wisca.rescale.backend.cpu;

import dev.wisca.io.Dtype;
import dev.wisca.rescale.backend.AxisStats;
import dev.wisca.rescale.backend.MatrixView;
import dev.wisca.rescale.graph.Axis;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;

/**
 * What {@link LanesTest} compares between a JVM with the Vector API and one without: the lane counts, and
 * the bits of the CPU backend's statistics and of a real-valued scaling of f32, bf16 and f16 matrices
 * (rows whose lengths are and are not multiples of the lane count).
 */
final class LanesProbe {
    private LanesProbe() {}

    public static void main(String[] args) {
        lines().forEach(System.out::println);
    }

    static List<String> lines() {
        List<String> out = new ArrayList<>();
        out.add("floats " + Lanes.FLOATS + ", doubles " + Lanes.DOUBLES);
        ValueLayout.OfShort u16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        ValueLayout.OfFloat f32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        try (Arena arena = Arena.ofConfined()) {
            for (Dtype dtype : new Dtype[] {Dtype.F32, Dtype.BF16, Dtype.F16}) {
                for (int cols : new int[] {64, 70, 1031}) {
                    int rows = 9;
                    Random random = new Random(cols * 31L + dtype.ordinal());
                    MemorySegment data = arena.allocate((long) rows * cols * dtype.byteSize());
                    for (int i = 0; i < rows * cols; i++) {
                        float v = (float) Math.scalb(random.nextGaussian(), random.nextInt(24) - 12);
                        switch (dtype) {
                            case F32 -> data.set(f32, 4L * i, v);
                            case BF16 -> data.set(u16, 2L * i, (short) (Float.floatToRawIntBits(v) >>> 16));
                            default -> data.set(u16, 2L * i, Float.floatToFloat16(v));
                        }
                    }
                    MatrixView m = new MatrixView(data, dtype, 1, rows, cols);
                    double[] rf = random.doubles(rows, 0.3, 3).toArray();
                    double[] cf = random.doubles(cols, 0.3, 3).toArray();
                    for (Axis axis : Axis.values()) {
                        AxisStats s = CpuBackend.INSTANCE.stats(m, 0, rows, axis, rf, cf, false);
                        out.add(dtype + " " + cols + " " + axis + " " + bits(s.sum()) + bits(s.absSum()) + bits(s.sqSum()) + bits(s.absMax()));
                    }
                    MemorySegment scaled = arena.allocate(data.byteSize());
                    CpuBackend.INSTANCE.scale(m, 0, (long) rows * cols, scaled, rf, cf, false);
                    CRC32 crc = new CRC32();
                    crc.update(scaled.asByteBuffer());
                    out.add(dtype + " " + cols + " scaled crc " + Long.toHexString(crc.getValue()));
                }
            }
        }
        return out;
    }

    private static String bits(double[] values) {
        CRC32 crc = new CRC32();
        for (double v : values) {
            long b = Double.doubleToRawLongBits(v);
            for (int k = 0; k < 8; k++) crc.update((int) (b >>> (8 * k)));
        }
        return Long.toHexString(crc.getValue()) + " ";
    }
}
