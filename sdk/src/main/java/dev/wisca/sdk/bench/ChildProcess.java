package dev.wisca.sdk.bench;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.ProcStatus;
import dev.wisca.io.WiscaException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one command as a child process of the bench and measures it whole: wall time, CPU time (user
 * + system, from this process's reaped-children counters) and, sampled every 10 ms from
 * {@code /proc/PID/status}, its peak anonymous resident memory (heap, native buffers; not the page
 * cache of files it maps or reads) and its peak resident set (the kernel's VmHWM: also the pages of
 * files it has mapped, such as an input written from its mapping). The launcher {@code bin/wisca} ends by exec'ing the JVM, so the
 * child's pid is the JVM's. Output is discarded; a non-zero exit is an error naming the last line
 * the child wrote to stderr.
 *
 * @param wallNanos     wall-clock time
 * @param cpuNanos      user + system time, -1 where the platform does not tell
 * @param anonPeakBytes peak RssAnon, -1 where the platform does not tell
 * @param rssPeakBytes  peak VmHWM as last sampled, -1 where the platform does not tell
 */
record ChildProcess(long wallNanos, long cpuNanos, long anonPeakBytes, long rssPeakBytes) {
    private static final long SAMPLE_MILLIS = 10;

    static ChildProcess run(List<String> command) {
        long cpuBefore = ChildCpu.nanos();
        long start = System.nanoTime();
        long anonPeak = -1;
        long rssPeak = -1;
        int code;
        String lastError = "";
        Path stderr = null;
        try {
            stderr = Files.createTempFile("wisca-bench-", ".err");
            Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(stderr.toFile()).start();
            Path status = Path.of("/proc", Long.toString(p.pid()), "status");
            while (!p.waitFor(SAMPLE_MILLIS, TimeUnit.MILLISECONDS)) {
                String now = ProcStatus.read(status);
                anonPeak = Math.max(anonPeak, ProcStatus.bytes(now, ProcStatus.RSS_ANON));
                rssPeak = Math.max(rssPeak, ProcStatus.bytes(now, ProcStatus.VM_HWM));
            }
            code = p.exitValue();
            if (code != 0) lastError = Files.readAllLines(stderr).stream().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse("");
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, null, null, "cannot run " + command.getFirst() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WiscaException(ErrorKind.IO, null, null, "interrupted while timing " + command.getFirst(), e);
        } finally {
            deleteQuietly(stderr);
        }
        long wall = System.nanoTime() - start;
        if (code != 0) {
            throw WiscaException.of(ErrorKind.IO, null, String.join(" ", command.subList(0, Math.min(3, command.size())))
                + "... exited " + code + (lastError.isEmpty() ? "" : ": " + lastError));
        }
        long cpuAfter = ChildCpu.nanos();
        return new ChildProcess(wall, cpuBefore < 0 ? -1 : cpuAfter - cpuBefore, anonPeak, rssPeak);
    }

    private static void deleteQuietly(Path file) {
        if (file == null) return;
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // A temp file left in /tmp: harmless.
        }
    }

    /** The child's /proc/PID/status now, or "" (not Linux, or already gone: its fields then read as -1). */
    /** CPU time of this process's reaped children (cutime + cstime of /proc/self/stat), -1 off Linux. */
    private static final class ChildCpu {
        private static final long TICK_NANOS = 10_000_000L;  // USER_HZ is 100 on Linux

        static long nanos() {
            try {
                String stat = Files.readString(Path.of("/proc/self/stat"));
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                // fields[0] is field 3 (state); cutime and cstime are fields 16 and 17
                return (Long.parseLong(fields[13]) + Long.parseLong(fields[14])) * TICK_NANOS;
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }
    }
}
