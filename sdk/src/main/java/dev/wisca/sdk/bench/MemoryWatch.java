package dev.wisca.sdk.bench;

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
    private static final Path STATUS = Path.of("/proc/self/status");
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
        return new Peaks(status("VmHWM:"), anonPeak.get(), filePeak.get(), heap);
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
        String status = read();
        anonPeak.accumulateAndGet(field(status, "RssAnon:"), Math::max);
        filePeak.accumulateAndGet(field(status, "RssFile:"), Math::max);
    }

    private static long status(String key) { return field(read(), key); }

    private static String read() {
        try {
            return Files.readString(STATUS);
        } catch (IOException | SecurityException e) {
            return "";
        }
    }

    /** A {@code Key:   1234 kB} line of /proc/self/status in bytes, or -1. */
    static long field(String status, String key) {
        int at = status.indexOf(key);
        if (at < 0) return -1;
        int end = status.indexOf('\n', at);
        String value = status.substring(at + key.length(), end < 0 ? status.length() : end).trim();
        if (!value.endsWith("kB")) return -1;
        return Long.parseLong(value.substring(0, value.length() - 2).trim()) * 1024;
    }
}
