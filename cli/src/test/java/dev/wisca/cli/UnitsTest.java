package dev.wisca.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class UnitsTest {
    @Test
    void bytesUseDecimalUnits() {
        assertEquals("999 B", Units.bytes(999));
        assertEquals("1.00 kB", Units.bytes(1000));
        assertEquals("5.00 GB", Units.bytes(5_000_000_000L));
        assertEquals("14.5 GB", Units.bytes(14_500_000_000L));
        assertEquals("123 MB", Units.bytes(123_000_000L));
    }

    @Test
    void durations() {
        assertEquals("12.5 ms", Units.duration(12_500_000L));
        assertEquals("2.50 s", Units.duration(2_500_000_000L));
    }
}
