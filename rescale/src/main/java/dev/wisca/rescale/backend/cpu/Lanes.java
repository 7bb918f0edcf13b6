package dev.wisca.rescale.backend.cpu;

import dev.wisca.io.WiscaException;
import java.lang.reflect.Method;

/**
 * The lane counts of the vector kernels' species ({@code FloatVector.SPECIES_PREFERRED} and the double
 * species of its shape), known also in a JVM started without the incubator module, so that the scalar
 * loops ({@link StatsLanes}) add in the vector kernels' order, and give their bits, either way.
 *
 * <p>Why a JVM without the module: one-shot commands run without {@code --add-modules
 * jdk.incubator.vector} (bin/wisca), because that flag keeps the JVM from archiving the module graph in
 * its AOT cache, and with it the pre-linked lambdas and call sites (a 64 MB rescale: 1.17 → 1.03 s of CPU). Such a
 * JVM asks the VM what the module would ({@code jdk.internal.vm.vector.VectorSupport}, exported to the
 * class path by {@code --add-exports}), and computes the preferred shape as JDK 25's
 * {@code VectorShape.preferredShape} does: the smallest, over the six lane types, of the widest vector
 * of each, at least 64 bits. {@code LanesTest} holds this to the module's own answer.
 *
 * <p>A JVM started with neither flag (a hand-typed {@code java -cp}) cannot know the lane counts; this
 * class then still loads, with zero lanes, and {@link #check} refuses with a one-line error naming the
 * flags, before any statistic is read (rather than a failed class initialization in a worker thread).
 */
final class Lanes {
    /** Whether the Vector API is loaded: the vector kernels can run. */
    static final boolean VECTOR_API = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    /** Float lanes per vector. */
    static final int FLOATS;
    /** Double lanes per vector of the same shape. */
    static final int DOUBLES;

    static {
        int bits = 0;   // stays 0 where the VM could not be asked
        try {
            bits = VECTOR_API ? VectorKernels.FS.vectorBitSize() : preferredBits();
        } catch (ReflectiveOperationException | RuntimeException e) {
            // not exported: IllegalAccessException; a JDK without the class: ClassNotFoundException
        }
        FLOATS = bits / Float.SIZE;
        DOUBLES = bits / Double.SIZE;
    }

    private Lanes() {}

    /** Refuses (InvalidArgument) in a JVM that could not be asked its vector size: it was started without the flags. */
    static void check() {
        if (FLOATS == 0) {
            throw WiscaException.invalidArgument("this JVM was started without --add-exports=java.base/jdk.internal.vm.vector=ALL-UNNAMED"
                + " (or --add-modules jdk.incubator.vector), which the statistics need to add in the vector kernels' order;"
                + " bin/wisca, `java -jar wisca-cli.jar` and the Python package pass it");
        }
    }

    /**
     * The elements of a run of {@code n} the vector kernels cover, the rest being their scalar tail: the one
     * bound of the vector loops and of the scalar loops that add in their order.
     */
    static int bodyLength(int n) { return n - n % FLOATS; }

    /** The preferred vector size in bits, as the incubator module computes it, from the VM's answers. */
    static int preferredBits() throws ReflectiveOperationException {
        Class<?>[] types = {float.class, double.class, byte.class, short.class, int.class, long.class};
        int[] sizes = {Float.SIZE, Double.SIZE, Byte.SIZE, Short.SIZE, Integer.SIZE, Long.SIZE};
        Method maxLanes = Class.forName("jdk.internal.vm.vector.VectorSupport").getMethod("getMaxLaneCount", Class.class);
        int bits = Integer.MAX_VALUE;
        for (int t = 0; t < types.length; t++) {
            // -1 where C2 is off, or fewer lanes than 64 bits hold: the module then takes 64 bits.
            bits = Math.min(bits, Math.max((int) maxLanes.invoke(null, types[t]) * sizes[t], 64));
        }
        return bits;
    }
}
