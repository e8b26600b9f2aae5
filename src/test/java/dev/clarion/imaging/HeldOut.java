package dev.clarion.imaging;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The demonstration model's shipped held-out images ({@code models/lesion-demo/heldout/}, written
 * by its recipe): 12-bit stored values of 64 × 64 synthetic images, whether each carries a
 * simulated lesion, and where.
 */
record HeldOut(List<int[]> images, List<Lesion> lesions) {

  static final Path FOLDER = Path.of("models/lesion-demo");
  static final int SIZE = 64;

  /** A simulated lesion's centre (row, column) and radius in pixels; null fields when none. */
  record Lesion(boolean present, double row, double col, double radius) {}

  static HeldOut read() throws IOException {
    List<int[]> images = dev.clarion.support.SyntheticStudies.heldOut();
    List<Lesion> lesions = new ArrayList<>();
    for (String line :
        Files.readAllLines(FOLDER.resolve("heldout/labels.csv")).subList(1, images.size() + 1)) {
      String[] f = line.split(",");
      lesions.add(
          new Lesion(
              f[1].equals("1"),
              Double.parseDouble(f[2]),
              Double.parseDouble(f[3]),
              Double.parseDouble(f[4])));
    }
    return new HeldOut(images, lesions);
  }

  static PixelFrame frame(int[] stored) {
    return new PixelFrame(SIZE, SIZE, stored, 1, 0, "MONOCHROME2");
  }

  /** Mann-Whitney AUC, ties counted half (as the recipe computes it). */
  static double auc(float[] scores, List<Lesion> labels) {
    double wins = 0;
    long pairs = 0;
    for (int i = 0; i < scores.length; i++) {
      if (!labels.get(i).present()) {
        continue;
      }
      for (int j = 0; j < scores.length; j++) {
        if (labels.get(j).present()) {
          continue;
        }
        pairs++;
        wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
      }
    }
    return wins / pairs;
  }
}
