package dev.wisca.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressBarTest {
    private static final long MS = 1_000_000L;

    private final AtomicLong now = new AtomicLong();
    private final StringWriter out = new StringWriter();

    private ProgressBar bar(ProgressBar.Style style) {
        return new ProgressBar(new PrintWriter(out), style, now::get);
    }

    private void at(long millis) { now.set(millis * MS); }

    @Test
    void barLineShowsBytesTensorsRateAndEta() {
        var s = new ProgressBar.Snapshot("stats", 500_000_000L, 1_000_000_000L, 10, 20, 1_000 * MS);
        assertEquals("stats    [##########..........]  50%  500 MB/1.00 GB  10/20 tensors  500 MB/s  ETA 1s",
            ProgressBar.barLine(s));
        assertEquals("stats 50% (500 MB of 1.00 GB, 10/20 tensors, 500 MB/s, ETA 1s)", ProgressBar.plainLine(s));
        assertEquals("stats done: 500 MB, 10 tensors in 1.00 s (500 MB/s)", ProgressBar.doneLine(s));
    }

    @Test
    void etaIsUnknownBeforeAnythingWasProcessedAndGrowsIntoMinutes() {
        assertEquals("?", ProgressBar.eta(new ProgressBar.Snapshot("w", 0, 100, 0, 1, 5 * MS)));
        // 1 MB in 1 s, 180 MB left: 3 minutes
        assertEquals("3m00s", ProgressBar.eta(new ProgressBar.Snapshot("w", 1_000_000, 181_000_000, 0, 1, 1_000 * MS)));
        assertEquals("1h02m", Units.seconds(3720));
    }

    @Test
    void fractionFallsBackToTensorsWithoutBytes() {
        assertEquals(0.25, new ProgressBar.Snapshot("w", 0, 0, 1, 4, MS).fraction());
        assertEquals(1.0, new ProgressBar.Snapshot("w", 0, 0, 0, 0, MS).fraction());
    }

    @Test
    void barRedrawsAtMostTenTimesASecond() {
        ProgressBar bar = bar(ProgressBar.Style.BAR);
        at(0);
        bar.start("write", 1000, 10);
        List<Integer> redraws = new ArrayList<>();
        for (int t = 10; t <= 1000; t += 10) {
            at(t);
            bar.advance(10, 0);
            redraws.add(count(out.toString(), '\r'));
        }
        assertEquals(0, redraws.get(8), "nothing before 100 ms");
        assertEquals(1, redraws.get(9), "first redraw at 100 ms");
        assertEquals(1, redraws.get(18), "none at 190 ms");
        assertEquals(10, redraws.getLast(), "one per 100 ms over a second");
        assertTrue(out.toString().startsWith("\rwrite    [#"), out.toString());
        bar.finish();
        assertTrue(out.toString().endsWith("\rwrite done: 1.00 kB, 0 tensors in 1.00 s (1.00 kB/s)\033[K\n"), out.toString());
    }

    @Test
    void shortPhasePrintsNothing() {
        for (ProgressBar.Style style : ProgressBar.Style.values()) {
            ProgressBar bar = bar(style);
            at(0);
            bar.start("stats", 100, 1);
            at(50);
            bar.advance(100, 1);
            bar.finish();
        }
        assertEquals("", out.toString());
    }

    @Test
    void plainLinesAfterOneSecondThenEveryFiveSecondsOrTenPercent() {
        ProgressBar bar = bar(ProgressBar.Style.LINES);
        at(0);
        bar.start("stats", 100, 2);
        at(500);
        bar.advance(5, 0);
        assertEquals("", out.toString());
        at(1000);
        bar.advance(5, 0);
        at(1200);
        bar.advance(5, 0);
        at(1400);
        bar.advance(5, 1);
        at(6300);
        bar.advance(1, 0);
        at(6400);
        bar.advance(1, 0);
        at(7000);
        bar.finish();
        String n = System.lineSeparator();
        assertEquals("wisca: stats 10% (10 B of 100 B, 0/2 tensors, 10 B/s, ETA 9s)" + n
            + "wisca: stats 20% (20 B of 100 B, 1/2 tensors, 14 B/s, ETA 6s)" + n
            + "wisca: stats 22% (22 B of 100 B, 1/2 tensors, 3 B/s, ETA 23s)" + n
            + "wisca: stats done: 22 B, 1 tensors in 7.00 s (3 B/s)" + n, out.toString());
    }

    @Test
    void concurrentAdvancesAllCount() throws InterruptedException {
        ProgressBar bar = new ProgressBar(new PrintWriter(out), ProgressBar.Style.BAR, () -> now.addAndGet(MS));
        bar.start("stats", 4_000, 4);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 1000; i++) bar.advance(1, i == 999 ? 1 : 0);
            }));
        }
        for (Thread t : threads) t.join();
        bar.finish();
        String text = out.toString();
        String last = text.substring(text.lastIndexOf('\r') + 1);
        assertTrue(last.startsWith("stats done: 4.00 kB, 4 tensors in "), last);
    }

    private static int count(String s, char c) {
        return (int) s.chars().filter(x -> x == c).count();
    }
}
