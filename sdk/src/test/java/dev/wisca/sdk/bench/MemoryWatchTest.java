package dev.wisca.sdk.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MemoryWatchTest {
    @Test
    void readsKilobyteFieldsOfProcStatus() {
        String status = "Name:\tjava\nVmHWM:\t  123456 kB\nRssAnon:\t   2048 kB\nThreads:\t12\n";
        assertEquals(123456L * 1024, MemoryWatch.field(status, "VmHWM:"));
        assertEquals(2048L * 1024, MemoryWatch.field(status, "RssAnon:"));
        assertEquals(-1, MemoryWatch.field(status, "RssFile:"));
        assertEquals(-1, MemoryWatch.field(status, "Threads:"));
    }
}
