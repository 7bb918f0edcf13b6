package dev.wisca.rescale.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.backend.cpu.CpuBackend;
import dev.wisca.rescale.backend.cpu.ScalarBackend;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackendsTest {

    @Test
    void builtInDevicesNeedNoProvider() {
        assertSame(CpuBackend.INSTANCE, Backends.of("cpu"));
        assertSame(CpuBackend.INSTANCE, Backends.of(" CPU "));
        assertSame(ScalarBackend.INSTANCE, Backends.of("scalar"));
    }

    @Test
    void providersAddTheirDevicesToTheNames() {
        assertEquals(List.of("cpu", "scalar", "gpu", "djl", "djl-cpu"), Backends.names());
        assertTrue(Backends.isKnown("GPU"));
        assertFalse(Backends.isKnown("tpu"));
    }

    @Test
    void unknownDeviceIsAnInvalidArgumentListingTheChoices() {
        WiscaException e = assertThrows(WiscaException.class, () -> Backends.of("tpu"));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().contains("unknown device 'tpu': choose one of cpu, scalar, gpu, djl, djl-cpu"), e.getMessage());
    }
}
