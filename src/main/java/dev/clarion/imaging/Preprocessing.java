package dev.clarion.imaging;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * How an imaging model's input tensor is made from a frame, as data ({@code preprocessing.json},
 * versioned with the model and recorded with every decision): the Modality LUT (rescale slope and
 * intercept), a linear VOI window to [0, 1] (PS3.3 C.11.2.1.2, "LINEAR"), MONOCHROME1 inverted,
 * bilinear resize (pixel centres aligned, as PIL and torch's {@code align_corners=False}), then
 * {@code (x - mean) / std}, laid out NCHW with one channel.
 *
 * <p>Immutable and thread-safe.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record Preprocessing(
    String version,
    String description,
    int rows,
    int columns,
    String resize,
    Window window,
    Normalise normalise,
    String layout,
    int channels) {

  /** A VOI window in modality units. */
  public record Window(double center, double width) {}

  public record Normalise(double mean, double std) {}

  /** The problem with this preprocessing, or null when it can be applied. */
  String problem() {
    if (rows < 1 || columns < 1) {
      return "rows and columns must be positive";
    }
    if (!"bilinear".equals(resize)) {
      return "resize must be bilinear";
    }
    if (window == null || window.width() < 1) {
      return "window.width must be at least 1";
    }
    if (normalise == null || !(normalise.std() > 0)) {
      return "normalise.std must be positive";
    }
    if (!"NCHW".equals(layout) || channels != 1) {
      return "only NCHW with one channel is supported";
    }
    return null;
  }

  /** The model input for one frame: {@code rows * columns} floats, row-major. */
  public float[] apply(PixelFrame f) {
    double c = window.center();
    double w = window.width();
    boolean invert = "MONOCHROME1".equals(f.photometricInterpretation());
    double[] windowed = new double[f.values().length];
    for (int i = 0; i < windowed.length; i++) {
      double modality = f.values()[i] * f.rescaleSlope() + f.rescaleIntercept();
      double y = (modality - (c - 0.5)) / (w - 1) + 0.5;
      y = Math.max(0, Math.min(1, y));
      windowed[i] = invert ? 1 - y : y;
    }
    float[] out = new float[rows * columns];
    double sy = (double) f.rows() / rows;
    double sx = (double) f.columns() / columns;
    for (int r = 0; r < rows; r++) {
      double y = Math.max(0, (r + 0.5) * sy - 0.5);
      int y0 = Math.min((int) y, f.rows() - 1);
      int y1 = Math.min(y0 + 1, f.rows() - 1);
      double wy = y - y0;
      for (int col = 0; col < columns; col++) {
        double x = Math.max(0, (col + 0.5) * sx - 0.5);
        int x0 = Math.min((int) x, f.columns() - 1);
        int x1 = Math.min(x0 + 1, f.columns() - 1);
        double wx = x - x0;
        double v =
            (1 - wy)
                    * ((1 - wx) * windowed[y0 * f.columns() + x0]
                        + wx * windowed[y0 * f.columns() + x1])
                + wy
                    * ((1 - wx) * windowed[y1 * f.columns() + x0]
                        + wx * windowed[y1 * f.columns() + x1]);
        out[r * columns + col] = (float) ((v - normalise.mean()) / normalise.std());
      }
    }
    return out;
  }
}
