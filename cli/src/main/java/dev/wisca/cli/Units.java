package dev.wisca.cli;

import java.util.Locale;

/** Human units for output: bytes as kB/MB/GB (decimal, as Hugging Face prints shard sizes), durations as ms/s. */
final class Units {
    private Units() {}

    static String bytes(long n) {
        if (n < 1000) return n + " B";
        String[] units = {"kB", "MB", "GB", "TB", "PB"};
        double v = n;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) { v /= 1000; u++; }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, units[u]);
    }

    static String duration(long nanos) {
        double ms = nanos / 1e6;
        if (ms < 1000) return String.format(Locale.ROOT, "%.1f ms", ms);
        return String.format(Locale.ROOT, "%.2f s", ms / 1000);
    }

    static String count(long n) {
        if (n < 10_000) return Long.toString(n);
        String[] units = {"k", "M", "B", "T"};
        double v = n;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) { v /= 1000; u++; }
        return String.format(Locale.ROOT, "%.2f%s", v, units[u]);
    }

    /** Whole seconds as {@code 42s}, {@code 3m05s}, {@code 1h02m}. */
    static String seconds(long s) {
        if (s < 60) return s + "s";
        if (s < 3600) return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }

    /** Bytes per second as {@code 1.20 GB/s}. */
    static String rate(long bytes, long nanos) {
        return nanos <= 0 ? "-" : bytes(Math.round(bytes * 1e9 / nanos)) + "/s";
    }
}
