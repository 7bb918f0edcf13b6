package dev.wisca.io;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProcStatusTest {
    @Test
    void readsKilobyteCountersOfAStatusText() {
        String status = "Name:\tjava\nVmHWM:\t  123456 kB\nRssAnon:\t   2048 kB\nThreads:\t12\n";
        assertEquals(123456L * 1024, ProcStatus.bytes(status, ProcStatus.VM_HWM));
        assertEquals(2048L * 1024, ProcStatus.bytes(status, ProcStatus.RSS_ANON));
        assertEquals(-1, ProcStatus.bytes(status, ProcStatus.RSS_FILE));
        assertEquals(-1, ProcStatus.bytes(status, "Threads:"));
        assertEquals(-1, ProcStatus.bytes("", ProcStatus.VM_HWM));
    }

    @Test
    void thisProcessHasItsCountersAndAMissingOneIsAnError() {
        // The build runs on Linux (CI, the development VM); these counters are what the page-release tests measure.
        long anon = ProcStatus.selfRequired(ProcStatus.RSS_ANON);
        assertTrue(anon > 0 && anon <= ProcStatus.selfRequired(ProcStatus.VM_HWM) + anon, "RssAnon " + anon);
        assertTrue(ProcStatus.selfRequired(ProcStatus.RSS_FILE) > 0);
        assertEquals(-1, ProcStatus.bytes(ProcStatus.self(), "NoSuchCounter:"));
        assertThrows(IllegalStateException.class, () -> ProcStatus.selfRequired("NoSuchCounter:"));
    }
}
