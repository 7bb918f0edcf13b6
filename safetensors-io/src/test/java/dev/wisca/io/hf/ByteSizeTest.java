package dev.wisca.io.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ByteSizeTest {
    @Test
    void decimalUnitsArePowersOfTen() {
        assertEquals(5_000_000_000L, ByteSize.parse("5GB"));
        assertEquals(500_000_000L, ByteSize.parse("500MB"));
        assertEquals(1_500_000_000L, ByteSize.parse("1.5GB"));
        assertEquals(2_000L, ByteSize.parse("2kb"));
        assertEquals(3_000_000_000_000L, ByteSize.parse("3TB"));
    }

    @Test
    void binaryUnitsArePowersOfTwo() {
        assertEquals(5L * 1024 * 1024 * 1024, ByteSize.parse("5GiB"));
        assertEquals(2L * 1024 * 1024 * 1024, ByteSize.parse("2GiB"));
        assertEquals(1536L * 1024, ByteSize.parse("1.5MiB"));
        assertEquals(1024L, ByteSize.parse("1kib"));
    }

    @Test
    void bareNumbersAndSpacesAreBytes() {
        assertEquals(1234L, ByteSize.parse("1234"));
        assertEquals(1234L, ByteSize.parse("1234B"));
        assertEquals(5_000_000L, ByteSize.parse(" 5 MB "));
    }

    @Test
    void fractionsRoundDownToWholeBytes() {
        assertEquals(1331L, ByteSize.parse("1.3KiB"));
        assertEquals(1L, ByteSize.parse("0.0015KB"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "GB", "5XB", "5 G B", "-5GB", "0", "0.0001B", "5e9", "five", "1.2.3GB", "99999999999TB"})
    void rejectsBadInputWithAClearError(String text) {
        WiscaException e = assertThrows(WiscaException.class, () -> ByteSize.parse(text));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
    }
}
