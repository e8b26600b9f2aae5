package dev.clarion.imaging;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * An imaging model's descriptor, {@code models/<id>/image-model.json}: what the artifact is (pinned
 * by sha256), which DICOM images it accepts, how pixels become its input tensor, how its saliency
 * is computed and how its probability is banded. Read and checked by {@link ImageModel#load}.
 *
 * @param demonstration true for a model that is not validated for clinical use: every card of it
 *     says so with {@code notice}
 * @param notice the sentence every card and page of this model carries
 * @param preprocessing the preprocessing file beside the descriptor ({@link Preprocessing})
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record ImageModelDescriptor(
    String id,
    String name,
    String label,
    String version,
    String artifact,
    String sha256,
    String input,
    String output,
    boolean demonstration,
    String notice,
    String preprocessing,
    Requires requires,
    SaliencySettings saliency,
    List<Band> bands) {

  /** The DICOM attributes an image must have (PS3.3 tags in brackets), else it is refused. */
  @JsonIgnoreProperties(ignoreUnknown = false)
  public record Requires(
      List<String> modality, // (0008,0060)
      List<String> bodyPart, // (0018,0015)
      List<String> photometricInterpretation, // (0028,0004)
      List<Integer> bitsStored, // (0028,0101)
      Integer samplesPerPixel, // (0028,0002)
      Range pixelSpacingMm, // (0028,0030) or ImagerPixelSpacing (0018,1164)
      Range rows, // (0028,0010)
      Range columns) {} // (0028,0011)

  /** An inclusive range. */
  public record Range(Double min, Double max) {
    boolean contains(double v) {
      return (min == null || v >= min) && (max == null || v <= max);
    }

    @Override
    public String toString() {
      return (min == null ? "" : dev.clarion.format.Formats.plain(min))
          + "–"
          + (max == null ? "" : dev.clarion.format.Formats.plain(max));
    }
  }

  /**
   * Occlusion sensitivity (Zeiler and Fergus 2014): every {@code patch} × {@code patch} square at
   * {@code stride} replaced by the {@code baseline} ("image-mean": the mean of the preprocessed
   * image), all copies scored in one batch; the drop in probability is the saliency.
   */
  @JsonIgnoreProperties(ignoreUnknown = false)
  public record SaliencySettings(String method, int patch, int stride, String baseline) {}

  /** A band: probabilities below {@code below} (the last band has none). */
  @JsonIgnoreProperties(ignoreUnknown = false)
  public record Band(String code, String label, Double below, String indicator) {}

  /** The band a probability falls in. */
  public Band band(double probability) {
    for (Band b : bands) {
      if (b.below() == null || probability < b.below()) {
        return b;
      }
    }
    return bands.get(bands.size() - 1);
  }
}
