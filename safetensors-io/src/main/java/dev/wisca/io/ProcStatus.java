package dev.wisca.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A process's memory counters from Linux's {@code /proc/PID/status} ({@code RssFile:   1234 kB}): the
 * peaks {@code wisca bench} reports, and what the tests read to hold that the input's mapped pages are
 * released after writes from them. Where there is no such file, every counter reads -1.
 */
public final class ProcStatus {
    /** The peak resident set, mapped pages included. */
    public static final String VM_HWM = "VmHWM:";
    /** Anonymous memory: the heap and native buffers. */
    public static final String RSS_ANON = "RssAnon:";
    /** File-backed pages mapped into the process (a checkpoint's mapped pages among them). */
    public static final String RSS_FILE = "RssFile:";

    private static final Path SELF = Path.of("/proc/self/status");

    private ProcStatus() {}

    /** The text of a status file, or "" where it cannot be read (not Linux, a process that has ended). */
    public static String read(Path status) {
        try {
            return Files.readString(status);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** This process's status text ({@link #read}). */
    public static String self() {
        return read(SELF);
    }

    /** The counter {@code key} (e.g. {@link #RSS_FILE}) of a status text in bytes, or -1 where it has none. */
    public static long bytes(String status, String key) {
        int at = status.indexOf(key);
        if (at < 0) return -1;
        int end = status.indexOf('\n', at);
        String value = status.substring(at + key.length(), end < 0 ? status.length() : end).trim();
        if (!value.endsWith("kB")) return -1;
        return Long.parseLong(value.substring(0, value.length() - 2).trim()) * 1024;
    }

    /**
     * This process's counter {@code key} in bytes; for a measurement that must not pass for want of one
     * (a difference of two -1 reads would be zero), an {@link IllegalStateException} where there is none.
     */
    public static long selfRequired(String key) {
        long bytes = bytes(self(), key);
        if (bytes < 0) throw new IllegalStateException(SELF + " gives no " + key + " counter (this measurement needs Linux)");
        return bytes;
    }
}
