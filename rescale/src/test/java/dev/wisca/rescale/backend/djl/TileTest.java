package dev.wisca.rescale.backend.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TileTest {

    @ParameterizedTest
    @CsvSource({"0, 7, 5, 12", "2, 9, 5, 3", "0, 4, 1, 1", "1, 3, 10, 1000", "0, 0, 4, 8"})
    void rowTilesCoverEachRowOnceWithinTheLimit(long rowStart, long rowEnd, long cols, long max) {
        List<Tile> tiles = Tile.ofRows(rowStart, rowEnd, cols, max);
        long[] perRow = new long[(int) rowEnd];
        for (Tile t : tiles) {
            assertTrue(t.elementCount() <= max && t.elementCount() > 0, t.toString());
            assertTrue(t.rowCount() == 1 || t.colCount() == cols, "contiguous: " + t);
            for (long i = t.row(); i < t.row() + t.rowCount(); i++) perRow[(int) i] += t.colCount();
        }
        for (long i = 0; i < rowEnd; i++) assertEquals(i < rowStart ? 0 : cols, perRow[(int) i], "row " + i);
    }

    @ParameterizedTest
    @CsvSource({"0, 60, 5, 4, 12", "3, 50, 5, 4, 12", "7, 1, 5, 4, 100", "0, 40, 10, 2, 7", "13, 27, 5, 2, 1000"})
    void rangeTilesAreContiguousConsecutiveAndStayInOneBatch(long first, long count, long cols, long rowsPerBatch, long max) {
        long next = first;
        for (Tile t : Tile.ofRange(first, count, cols, rowsPerBatch, max)) {
            assertEquals(next, t.firstElement(cols), "consecutive");
            assertTrue(t.elementCount() <= max && t.elementCount() > 0, t.toString());
            assertTrue(t.rowCount() == 1 || (t.col() == 0 && t.colCount() == cols), "contiguous: " + t);
            assertEquals(t.row() / rowsPerBatch, (t.row() + t.rowCount() - 1) / rowsPerBatch, "one batch: " + t);
            next += t.elementCount();
        }
        assertEquals(first + count, next, "covers the range");
    }
}
