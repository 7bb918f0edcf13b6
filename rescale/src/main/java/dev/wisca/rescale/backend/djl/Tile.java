package dev.wisca.rescale.backend.djl;

import java.util.ArrayList;
import java.util.List;

/**
 * A rectangle of a row-major matrix that is contiguous in memory: whole rows, or part of one row.
 * Rows are global rows of a {@link dev.wisca.rescale.backend.MatrixView}; a tile never crosses a batch.
 *
 * @param row      first row
 * @param rowCount rows
 * @param col      first column
 * @param colCount columns
 */
record Tile(long row, long rowCount, long col, long colCount) {
    long elementCount() { return rowCount * colCount; }

    /** Index of the tile's first element in the flattened matrix. */
    long firstElement(long cols) { return row * cols + col; }

    /** Tiles of at most {@code max} elements covering rows {@code [rowStart, rowEnd)} of a matrix {@code cols} wide. */
    static List<Tile> ofRows(long rowStart, long rowEnd, long cols, long max) {
        List<Tile> tiles = new ArrayList<>();
        if (cols == 0) return tiles;
        if (cols <= max) {
            long step = max / cols;
            for (long i = rowStart; i < rowEnd; i += step) tiles.add(new Tile(i, Math.min(step, rowEnd - i), 0, cols));
            return tiles;
        }
        for (long i = rowStart; i < rowEnd; i++) {
            for (long j = 0; j < cols; j += max) tiles.add(new Tile(i, 1, j, Math.min(max, cols - j)));
        }
        return tiles;
    }

    /**
     * Tiles of at most {@code max} elements covering the flattened elements {@code [first, first + count)}
     * of stacked matrices {@code rowsPerBatch × cols}.
     */
    static List<Tile> ofRange(long first, long count, long cols, long rowsPerBatch, long max) {
        List<Tile> tiles = new ArrayList<>();
        long end = first + count;
        for (long e = first; e < end; ) {
            long g = e / cols;
            long j = e - g * cols;
            Tile t;
            if (j != 0 || end - e < cols || cols > max) {
                t = new Tile(g, 1, j, Math.min(Math.min(cols - j, end - e), max));
            } else {
                long batchEnd = (g / rowsPerBatch + 1) * rowsPerBatch;
                t = new Tile(g, Math.min(Math.min((end - e) / cols, max / cols), batchEnd - g), 0, cols);
            }
            tiles.add(t);
            e += t.elementCount();
        }
        return tiles;
    }
}
