package dev.clarion.imaging;

/**
 * One frame's stored pixel values as the PACS sent them (uncompressed), with what is needed to turn
 * them into intensities: the Modality LUT's rescale (PS3.3 C.11.1) and the photometric
 * interpretation.
 *
 * @param values stored values, row-major, {@code rows * columns} of them (unsigned unless the pixel
 *     representation is signed)
 */
public record PixelFrame(
    int rows,
    int columns,
    int[] values,
    double rescaleSlope,
    double rescaleIntercept,
    String photometricInterpretation) {

  public PixelFrame {
    if (values.length != rows * columns) {
      throw new IllegalArgumentException(
          "frame has " + values.length + " values for " + rows + " x " + columns);
    }
  }
}
