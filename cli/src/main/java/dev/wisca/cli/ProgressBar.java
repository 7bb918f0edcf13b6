package dev.wisca.cli;

import dev.wisca.cli.options.JsonOutput;
import dev.wisca.cli.options.Verbosity;
import dev.wisca.rescale.Progress;

import java.io.Console;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Draws {@link Progress} on stderr: on a terminal, one line redrawn in place at most 10 times a
 * second; elsewhere (a log, CI), a plain line every 5 s or 10 %. Phases shorter than the first
 * redraw print nothing, so small jobs stay quiet.
 */
final class ProgressBar implements Progress {
    enum Style { BAR, LINES }

    static final long BAR_INTERVAL_NANOS = 100_000_000L;
    static final long LINE_INTERVAL_NANOS = 5_000_000_000L;
    static final long LINES_QUIET_NANOS = 1_000_000_000L;
    static final int BAR_WIDTH = 20;

    /** What one drawing shows. */
    record Snapshot(String phase, long bytes, long totalBytes, int tensors, int totalTensors, long elapsedNanos) {
        /** Fraction done by bytes (by tensors when there are no bytes). */
        double fraction() {
            if (totalBytes > 0) return Math.min(1.0, (double) bytes / totalBytes);
            return totalTensors > 0 ? Math.min(1.0, (double) tensors / totalTensors) : 1.0;
        }

        /** Bytes per second so far; 0 before any time has passed. */
        double bytesPerSecond() { return elapsedNanos <= 0 ? 0 : bytes * 1e9 / elapsedNanos; }
    }

    private final PrintWriter err;
    private final Style style;
    private final LongSupplier clock;
    private final ReentrantLock drawing = new ReentrantLock();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicInteger tensors = new AtomicInteger();
    private volatile long nextDraw;
    private String phase = "";
    private long totalBytes;
    private int totalTensors;
    private long startNanos;
    private volatile int lastLinePercent;
    private volatile boolean drawn;

    ProgressBar(PrintWriter err, Style style, LongSupplier nanoClock) {
        this.err = err;
        this.style = style;
        this.clock = nanoClock;
    }

    /** The progress a command shows: none with --quiet, a bar on a terminal, plain lines otherwise (and with --json). */
    static Progress forCommand(PrintWriter err, Verbosity verbosity, JsonOutput json) {
        if (verbosity.quiet()) return Progress.NONE;
        Console console = System.console();
        boolean terminal = console != null && console.isTerminal() && !json.enabled();
        return new ProgressBar(err, terminal ? Style.BAR : Style.LINES, System::nanoTime);
    }

    @Override
    public void start(String phase, long totalBytes, int totalTensors) {
        drawing.lock();
        try {
            this.phase = phase;
            this.totalBytes = totalBytes;
            this.totalTensors = totalTensors;
            this.bytes.set(0);
            this.tensors.set(0);
            this.startNanos = clock.getAsLong();
            this.lastLinePercent = 0;
            this.drawn = false;
            this.nextDraw = startNanos + (style == Style.BAR ? BAR_INTERVAL_NANOS : LINES_QUIET_NANOS);
        } finally {
            drawing.unlock();
        }
    }

    @Override
    public void advance(long bytes, int tensors) {
        this.bytes.addAndGet(bytes);
        this.tensors.addAndGet(tensors);
        long now = clock.getAsLong();
        if (!due(now) || !drawing.tryLock()) return;
        try {
            if (due(now)) draw(now);
        } finally {
            drawing.unlock();
        }
    }

    @Override
    public void finish() {
        drawing.lock();
        try {
            if (!drawn) return;
            Snapshot s = snapshot(clock.getAsLong());
            if (style == Style.BAR) err.print("\r" + doneLine(s) + "\033[K\n");
            else err.println("wisca: " + doneLine(s));
            err.flush();
            drawn = false;
        } finally {
            drawing.unlock();
        }
    }

    /** On time; in line mode also after 10 % more since the last line. */
    private boolean due(long now) {
        if (now >= nextDraw) return true;
        return style == Style.LINES && drawn && percent(snapshot(now)) >= lastLinePercent + 10;
    }

    private void draw(long now) {
        Snapshot s = snapshot(now);
        if (style == Style.BAR) {
            err.print("\r" + barLine(s) + "\033[K");
            nextDraw = now + BAR_INTERVAL_NANOS;
        } else {
            err.println("wisca: " + plainLine(s));
            lastLinePercent = percent(s);
            nextDraw = now + LINE_INTERVAL_NANOS;
        }
        err.flush();
        drawn = true;
    }

    private static int percent(Snapshot s) { return (int) (s.fraction() * 100); }

    private Snapshot snapshot(long now) {
        return new Snapshot(phase, bytes.get(), totalBytes, tensors.get(), totalTensors, now - startNanos);
    }

    /** {@code stats  [#########...........]  45%  483 MB/1.07 GB  130/290 tensors  1.20 GB/s  ETA 3s} */
    static String barLine(Snapshot s) {
        int filled = (int) Math.round(s.fraction() * BAR_WIDTH);
        return String.format(Locale.ROOT, "%-8s [%s%s] %3d%%  %s/%s  %d/%d tensors  %s  ETA %s", s.phase(),
            "#".repeat(filled), ".".repeat(BAR_WIDTH - filled), percent(s),
            Units.bytes(s.bytes()), Units.bytes(s.totalBytes()), s.tensors(), s.totalTensors(), rate(s), eta(s));
    }

    /** {@code stats 45% (483 MB of 1.07 GB, 130/290 tensors, 1.20 GB/s, ETA 3s)} */
    static String plainLine(Snapshot s) {
        return String.format(Locale.ROOT, "%s %d%% (%s of %s, %d/%d tensors, %s, ETA %s)", s.phase(), percent(s), Units.bytes(s.bytes()), Units.bytes(s.totalBytes()),
            s.tensors(), s.totalTensors(), rate(s), eta(s));
    }

    /** {@code stats done: 1.07 GB, 290 tensors in 0.89 s (1.20 GB/s)} */
    static String doneLine(Snapshot s) {
        return String.format(Locale.ROOT, "%s done: %s, %d tensors in %s (%s)", s.phase(), Units.bytes(s.bytes()),
            s.tensors(), Units.duration(s.elapsedNanos()), rate(s));
    }

    static String rate(Snapshot s) {
        return Units.rate(s.bytes(), s.elapsedNanos());
    }

    /** Time left at the rate so far; {@code ?} before anything was processed. */
    static String eta(Snapshot s) {
        double rate = s.bytesPerSecond();
        if (rate <= 0) return "?";
        return Units.seconds((long) Math.ceil((s.totalBytes() - s.bytes()) / rate));
    }
}
