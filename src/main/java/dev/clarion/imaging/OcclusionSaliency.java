package dev.clarion.imaging;

/**
 * Occlusion sensitivity (Zeiler and Fergus, ECCV 2014), model-agnostic: the image and every copy
 * with one {@code patch} × {@code patch} square (every {@code stride} pixels, the last row and
 * column of patches flush with the border) set to the baseline — the mean of the preprocessed image
 * (a flat patch of the image's own average intensity, neither black nor white) — are scored in one
 * batched ONNX Runtime call. A patch's saliency is the probability's drop when it is hidden.
 */
public final class OcclusionSaliency {

  private OcclusionSaliency() {}

  /** The image's probability and its occlusion map, in one batched call. */
  public static Saliency explain(ImageModel model, float[] image) {
    Preprocessing p = model.preprocessing();
    ImageModelDescriptor.SaliencySettings s = model.descriptor().saliency();
    int rows = p.rows();
    int cols = p.columns();
    int[] ys = starts(rows, s.patch(), s.stride());
    int[] xs = starts(cols, s.patch(), s.stride());
    float baseline = mean(image);
    int size = rows * cols;
    int n = 1 + ys.length * xs.length;
    float[] batch = new float[n * size];
    System.arraycopy(image, 0, batch, 0, size);
    int k = 1;
    for (int y : ys) {
      for (int x : xs) {
        int off = k * size;
        System.arraycopy(image, 0, batch, off, size);
        occlude(batch, off, cols, y, x, s.patch(), baseline);
        k++;
      }
    }
    float[] scores = model.predict(batch);
    float[] drops = new float[n - 1];
    int strongest = 0;
    for (int i = 0; i < drops.length; i++) {
      drops[i] = scores[0] - scores[i + 1];
      if (drops[i] > drops[strongest]) {
        strongest = i;
      }
    }
    return new Saliency(
        scores[0],
        rows,
        cols,
        s.patch(),
        s.stride(),
        ys.length,
        xs.length,
        drops,
        strongest,
        s.baseline());
  }

  /** Sets one square of an image in a batch to the baseline. */
  public static void occlude(
      float[] batch, int offset, int columns, int y, int x, int patch, float baseline) {
    for (int r = y; r < y + patch; r++) {
      java.util.Arrays.fill(
          batch, offset + r * columns + x, offset + r * columns + x + patch, baseline);
    }
  }

  /** Patch origins along one axis: 0, stride, 2·stride … with the last flush with the edge. */
  static int[] starts(int length, int patch, int stride) {
    int count = (length - patch + stride - 1) / stride + 1;
    int[] out = new int[count];
    for (int i = 0; i < count; i++) {
      out[i] = Math.min(i * stride, length - patch);
    }
    return out;
  }

  static float mean(float[] image) {
    double sum = 0;
    for (float v : image) {
      sum += v;
    }
    return (float) (sum / image.length);
  }
}
