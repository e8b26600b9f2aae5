package dev.clarion.imaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.format.Formats;

/**
 * What an imaging model found in one image, and everything the decision record keeps of it: the
 * model version and its pin, the preprocessing applied, the DICOM identifiers and a hash of the
 * pixel data (never the image), the probability and band, and the saliency grid.
 */
public record ImagingResult(
    ImageModelDescriptor model,
    String modelSha256,
    Preprocessing preprocessing,
    StudyReader.RetrievedImage image,
    Saliency saliency) {

  public double probability() {
    return saliency.probability();
  }

  public ImageModelDescriptor.Band band() {
    return model.band(probability());
  }

  /**
   * The strongest region's centre in the stored image's pixels: {row, column} (the model's input
   * scaled back to the frame's size).
   */
  public double[] strongestInImage() {
    return saliency.strongestIn(image.frame().rows(), image.frame().columns());
  }

  /**
   * Where the strongest region lies in words — thirds of the image as displayed ("lower-right"),
   * which is not the patient's laterality.
   */
  public String strongestArea() {
    return area(saliency);
  }

  static String area(Saliency s) {
    double[] c = s.strongestCentre();
    String v = third(c[0] / s.rows(), "upper", "middle", "lower");
    String h = third(c[1] / s.columns(), "left", "centre", "right");
    return v.equals("middle") && h.equals("centre") ? "central" : v + "-" + h;
  }

  /**
   * Where the model looked, in one sentence (the card's and the explanation page's): the strongest
   * region in the stored image's pixels and in thirds as displayed, and how much hiding it lowers
   * the probability.
   */
  public static String where(Saliency s, int frameRows, int frameColumns) {
    double[] at = s.strongestIn(frameRows, frameColumns);
    return "The result depended most on the region around row "
        + Math.round(at[0])
        + ", column "
        + Math.round(at[1])
        + " of the stored image ("
        + area(s)
        + " area as displayed, not patient laterality): hiding it lowers the probability by "
        + String.format(java.util.Locale.ROOT, "%.1f", s.strongestDrop() * 100)
        + " percentage points.";
  }

  private static String third(double f, String a, String b, String c) {
    return f < 1 / 3.0 ? a : f < 2 / 3.0 ? b : c;
  }

  /**
   * A probability as a percentage with one decimal, never rounded to a certainty: {@code 0.9998 →
   * "> 99.9 %"}, {@code 0.0002 → "< 0.1 %"}.
   */
  public static String percent(double p) {
    return p >= 0.9995 ? "> 99.9 %" : p < 0.0005 ? "< 0.1 %" : Formats.percent(p);
  }

  /** The card's summary line (under 140 characters, CDS Hooks 2.0 §Card). */
  public String summary() {
    String s =
        Formats.capitalized(band().label())
            + ": "
            + percent(probability())
            + (model.demonstration() ? " (DEMONSTRATION model, not for clinical use)" : "");
    return s.length() <= 140 ? s : s.substring(0, 139) + "…";
  }

  /** The card's detail (Markdown): the result, where it came from, and the notice. */
  public String detail() {
    StringBuilder d = new StringBuilder();
    d.append("**")
        .append(model.label())
        .append(": ")
        .append(percent(probability()))
        .append("** (")
        .append(band().label())
        .append("), from ")
        .append(model.id())
        .append(' ')
        .append(model.version())
        .append(" on one ")
        .append(image.modality())
        .append(image.bodyPart() == null ? "" : " " + image.bodyPart())
        .append(" image of the study.\n\n");
    d.append(where(saliency, image.frame().rows(), image.frame().columns()));
    if (model.notice() != null) {
      d.append("\n\n**").append(model.notice()).append("**");
    }
    return d.toString();
  }

  /** The decision record's part: JSON, hashed with the record. */
  public ObjectNode toJson(ObjectMapper mapper) {
    ObjectNode n = mapper.createObjectNode();
    n.putObject("model")
        .put("id", model.id())
        .put("version", model.version())
        .put("sha256", modelSha256)
        .put("demonstration", model.demonstration());
    n.set("preprocessing", mapper.valueToTree(preprocessing));
    ObjectNode img = n.putObject("image");
    img.put("studyUid", image.studyUid())
        .put("seriesUid", image.seriesUid())
        .put("sopUid", image.sopUid())
        .put("modality", image.modality())
        .put("bodyPart", image.bodyPart())
        .put("photometricInterpretation", image.photometricInterpretation())
        .put("bitsStored", image.bitsStored())
        .put("rows", image.frame().rows())
        .put("columns", image.frame().columns())
        .put("pixelSha256", image.pixelSha256());
    if (image.pixelSpacingMm() != null) {
      img.put("pixelSpacingMm", image.pixelSpacingMm());
    }
    n.put("probability", Math.round(probability() * 1e6) / 1e6);
    n.put("band", band().code());
    ObjectNode s = n.putObject("saliency");
    s.put("method", "occlusion")
        .put("baseline", saliency.baseline())
        .put("patch", saliency.patch())
        .put("stride", saliency.stride())
        .put("gridRows", saliency.gridRows())
        .put("gridColumns", saliency.gridColumns());
    ArrayNode drops = s.putArray("drops");
    for (float f : saliency.drops()) {
      drops.add(Math.round(f * 1e4) / 1e4);
    }
    s.put("strongest", saliency.strongest());
    return n;
  }
}
