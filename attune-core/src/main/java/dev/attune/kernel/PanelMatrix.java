package dev.attune.kernel;

import java.util.Objects;

/**
 * A row-major [rows, cols] matrix regrouped for scoring every row against a few vectors at once: rows are taken
 * in panels of {@link #width} consecutive rows, and a panel is stored column by column, so element (r, c) sits at
 * {@code (r / width) * width * cols + c * width + r % width}. The last panel is padded with zero rows.
 *
 * <p>Why: scoring all items as row · user needs a horizontal sum per row (the row-major {@link VectorOps#gemv}
 * spends most of its time there), while a column of a panel is one SIMD register of {@code width} rows, so the
 * scores of a whole panel build up by fused multiply-adds alone. Scoring several users in one pass also reads the
 * matrix (tens of MB for 100,000 items) once for all of them instead of once each.
 *
 * <p>Immutable after construction; thread-safe. Create with {@link VectorOps#panels}: the width is the one the
 * kernel in use expects.
 *
 * @param data the panels, length {@link #panelCount()} {@code * width * cols}
 * @param rows rows of the original matrix
 * @param cols columns
 * @param width rows per panel
 */
public record PanelMatrix(float[] data, int rows, int cols, int width) {
  /** Checks the shape. */
  public PanelMatrix {
    Objects.requireNonNull(data, "data");
    if (rows < 0 || cols <= 0 || width <= 0) {
      throw new IllegalArgumentException("rows " + rows + ", cols " + cols + ", width " + width);
    }
    long expected = (long) panels(rows, width) * width * cols;
    if (data.length != expected) {
      throw new IllegalArgumentException("data has " + data.length + " floats, expected " + expected);
    }
  }

  /** Regroups a row-major matrix into panels of {@code width} rows. */
  static PanelMatrix of(float[] matrix, int rows, int cols, int width) {
    if ((long) rows * cols > matrix.length) {
      throw new IllegalArgumentException("matrix has " + matrix.length + " floats, fewer than " + rows + " x " + cols);
    }
    float[] data = new float[panels(rows, width) * width * cols];
    for (int r = 0; r < rows; r++) {
      int base = (r / width) * width * cols + r % width;
      for (int c = 0; c < cols; c++) {
        data[base + c * width] = matrix[r * cols + c];
      }
    }
    return new PanelMatrix(data, rows, cols, width);
  }

  /** Number of panels. */
  public int panelCount() {
    return panels(rows, width);
  }

  private static int panels(int rows, int width) {
    return (rows + width - 1) / width;
  }
}
