package dev.clarion.imaging;

/**
 * An occlusion-sensitivity map of one image: for each patch position (a grid of {@code gridRows} ×
 * {@code gridColumns}, patch {@code patch} pixels square every {@code stride} pixels of the model's
 * input), how much the probability drops when that patch takes the baseline value. Positive: the
 * region raised the score.
 *
 * @param probability the unoccluded image's probability
 * @param rows the model input's rows
 * @param columns the model input's columns
 * @param drops row-major, {@code gridRows * gridColumns}
 * @param strongest index into {@code drops} of the largest drop
 */
public record Saliency(
    double probability,
    int rows,
    int columns,
    int patch,
    int stride,
    int gridRows,
    int gridColumns,
    float[] drops,
    int strongest,
    String baseline) {

  /** The centre of the strongest patch, in model-input pixels: {row, column}. */
  public double[] strongestCentre() {
    return new double[] {
      origin(strongest / gridColumns, rows) + (patch - 1) / 2.0,
      origin(strongest % gridColumns, columns) + (patch - 1) / 2.0
    };
  }

  /**
   * The strongest patch's centre in the pixels of a frame of {@code frameRows} × {@code
   * frameColumns} (the model's input scaled back, pixel centres aligned): {row, column}.
   */
  public double[] strongestIn(int frameRows, int frameColumns) {
    double[] c = strongestCentre();
    return new double[] {
      (c[0] + 0.5) * frameRows / rows - 0.5, (c[1] + 0.5) * frameColumns / columns - 0.5
    };
  }

  /** Where the i-th patch along an axis starts: every stride, the last flush with the edge. */
  public int origin(int i, int length) {
    return Math.min(i * stride, length - patch);
  }

  /** The largest drop in probability. */
  public double strongestDrop() {
    return drops[strongest];
  }
}
