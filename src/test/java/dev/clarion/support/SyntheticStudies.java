package dev.clarion.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Synthetic studies for the imaging tests and benchmark: the demonstration model's shipped held-out
 * images (12-bit, 64 × 64; {@code models/lesion-demo/heldout/}) as single-instance chest studies of
 * a synthetic patient.
 */
public final class SyntheticStudies {

  static final Path IMAGES = Path.of("models/lesion-demo/heldout/images.u16.gz");
  static final int SIZE = 64;

  private SyntheticStudies() {}

  /** Held-out image {@code index}: stored 12-bit values, row-major. */
  public static int[] heldOut(int index) {
    return heldOut().get(index);
  }

  /** Every shipped held-out image, in order (read once). */
  public static synchronized java.util.List<int[]> heldOut() {
    if (images == null) {
      try (InputStream in = new GZIPInputStream(Files.newInputStream(IMAGES))) {
        byte[] raw = in.readAllBytes();
        java.util.List<int[]> all = new java.util.ArrayList<>();
        for (int off = 0; off < raw.length; off += SIZE * SIZE * 2) {
          int[] img = new int[SIZE * SIZE];
          for (int i = 0; i < img.length; i++) {
            img[i] = (raw[off + 2 * i] & 0xFF) | (raw[off + 2 * i + 1] & 0xFF) << 8;
          }
          all.add(img);
        }
        images = java.util.List.copyOf(all);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return images;
  }

  private static java.util.List<int[]> images;

  /**
   * A chest image of {@code modality} as the only instance of study {@code studyUid} (series {@code
   * studyUid.1}, instance {@code studyUid.1.1}), 12 bits stored, 0.5 mm pixels.
   */
  public static DicomFiles.Instance chest(
      String studyUid, String patient, String modality, int[] pixels) {
    return new DicomFiles.Instance(
        "SYN-" + patient,
        "Synthetic^Patient" + patient,
        studyUid,
        studyUid + ".1",
        studyUid + ".1.1",
        modality,
        "CHEST",
        "MONOCHROME2",
        12,
        0.5,
        SIZE,
        SIZE,
        pixels);
  }
}
