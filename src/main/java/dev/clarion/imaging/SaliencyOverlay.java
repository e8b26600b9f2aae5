package dev.clarion.imaging;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/**
 * Draws an image with its occlusion map over it, as a PNG: the model's input in grey (the VOI
 * window, before normalisation), each pixel tinted red by the mean drop of the patches covering it
 * (only drops, i.e. regions that raised the score; full red at the largest drop), and a yellow box
 * around the strongest patch. Scaled up by {@code scale} with nearest-neighbour pixels so what the
 * model saw is not smoothed. Rendered by Clarion from the recorded saliency grid; no script, no
 * external image library.
 */
public final class SaliencyOverlay {

  private SaliencyOverlay() {}

  /**
   * @param input the preprocessed image (normalised model input, {@code rows * columns})
   * @param p the preprocessing that made it (to undo the normalisation for display)
   */
  public static byte[] png(float[] input, Preprocessing p, Saliency s, int scale) {
    int rows = p.rows();
    int cols = p.columns();
    double[] heat = perPixel(s, rows, cols);
    double max = 0;
    for (double h : heat) {
      max = Math.max(max, h);
    }
    BufferedImage img = new BufferedImage(cols * scale, rows * scale, BufferedImage.TYPE_INT_RGB);
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        double grey = input[r * cols + c] * p.normalise().std() + p.normalise().mean();
        int g = (int) Math.round(255 * Math.max(0, Math.min(1, grey)));
        double a = max > 0 ? Math.max(0, heat[r * cols + c]) / max * 0.6 : 0;
        int red = (int) Math.round(g * (1 - a) + 255 * a);
        int other = (int) Math.round(g * (1 - a));
        int rgb = (red << 16) | (other << 8) | other;
        for (int y = 0; y < scale; y++) {
          for (int x = 0; x < scale; x++) {
            img.setRGB(c * scale + x, r * scale + y, rgb);
          }
        }
      }
    }
    Graphics2D g = img.createGraphics();
    g.setColor(new Color(255, 221, 0));
    g.setStroke(new BasicStroke(Math.max(1, scale / 2f)));
    int y = s.origin(s.strongest() / s.gridColumns(), rows);
    int x = s.origin(s.strongest() % s.gridColumns(), cols);
    g.drawRect(x * scale, y * scale, s.patch() * scale - 1, s.patch() * scale - 1);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(img, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Each pixel's mean drop over the patches that cover it. */
  static double[] perPixel(Saliency s, int rows, int cols) {
    double[] sum = new double[rows * cols];
    int[] count = new int[rows * cols];
    for (int gr = 0; gr < s.gridRows(); gr++) {
      for (int gc = 0; gc < s.gridColumns(); gc++) {
        double d = s.drops()[gr * s.gridColumns() + gc];
        int y0 = s.origin(gr, rows);
        int x0 = s.origin(gc, cols);
        for (int y = y0; y < y0 + s.patch(); y++) {
          for (int x = x0; x < x0 + s.patch(); x++) {
            sum[y * cols + x] += d;
            count[y * cols + x]++;
          }
        }
      }
    }
    for (int i = 0; i < sum.length; i++) {
      sum[i] = count[i] == 0 ? 0 : sum[i] / count[i];
    }
    return sum;
  }
}
