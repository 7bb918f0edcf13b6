package dev.wisca.sdk.bench;

import dev.wisca.io.ProcStatus;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Peak memory of this process during a phase. On Linux: the kernel's peak resident set (VmHWM, reset
 * per phase through {@code /proc/self/clear_refs} where allowed) and, sampled every 10 ms, the
 * anonymous part (heap, native buffers: what wisca allocates) and the file-backed part (mapped
 * checkpoint pages, which are page cache the kernel can drop at any time). Elsewhere those read -1.
 * Also the Java heap's peak use.
 */
final class MemoryWatch implements AutoCloseable {
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    /** Peaks in bytes; -1 where the platform does not tell. */
    record Peaks(long rssPeak, long rssAnonPeak, long rssFilePeak, long heapUsedPeak) {
        Peaks max(Peaks o) {
            return new Peaks(Math.max(rssPeak, o.rssPeak), Math.max(rssAnonPeak, o.rssAnonPeak),
                Math.max(rssFilePeak, o.rssFilePeak), Math.max(heapUsedPeak, o.heapUsedPeak));
        }
    }

    private final AtomicLong anonPeak = new AtomicLong(-1);
    private final AtomicLong filePeak = new AtomicLong(-1);
    private final Thread sampler;
    private volatile boolean running = true;

    MemoryWatch() {
        sampler = Thread.ofPlatform().daemon().name("wisca-bench-memory").start(this::sample);
    }

    /** Starts a new phase: peaks from now on. */
    void reset() {
        try {
            Files.writeString(CLEAR_REFS, "5");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            // Not Linux, or not allowed: VmHWM then covers the process since its start, which the report says.
        }
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) pool.resetPeakUsage();
        anonPeak.set(-1);
        filePeak.set(-1);
        sampleOnce();
    }

    /** The peaks since the last {@link #reset}. */
    Peaks peaks() {
        sampleOnce();
        long heap = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) heap += pool.getPeakUsage().getUsed();
        }
        return new Peaks(ProcStatus.bytes(ProcStatus.self(), ProcStatus.VM_HWM), anonPeak.get(), filePeak.get(), heap);
    }

    @Override
    public void close() {
        running = false;
        sampler.interrupt();
    }

    private void sample() {
        while (running) {
            sampleOnce();
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void sampleOnce() {
        String status = ProcStatus.self();
        anonPeak.accumulateAndGet(ProcStatus.bytes(status, ProcStatus.RSS_ANON), Math::max);
        filePeak.accumulateAndGet(ProcStatus.bytes(status, ProcStatus.RSS_FILE), Math::max);
    }

}
