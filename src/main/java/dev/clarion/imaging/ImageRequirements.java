package dev.clarion.imaging;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks an instance's DICOM attributes against what the model card requires (modality, body part,
 * photometric interpretation, bits stored, samples per pixel, pixel spacing, size): each mismatch
 * is a reason, naming the attribute, its value and what is accepted.
 */
final class ImageRequirements {

  private ImageRequirements() {}

  static List<String> mismatches(ImageModelDescriptor.Requires r, JsonNode metadata) {
    List<String> out = new ArrayList<>();
    oneOf(
        out, "Modality (0008,0060)", DicomJson.string(metadata, DicomJson.MODALITY), r.modality());
    oneOf(
        out,
        "Body Part Examined (0018,0015)",
        DicomJson.string(metadata, DicomJson.BODY_PART),
        r.bodyPart());
    oneOf(
        out,
        "Photometric Interpretation (0028,0004)",
        DicomJson.string(metadata, DicomJson.PHOTOMETRIC),
        r.photometricInterpretation());
    Integer bits = DicomJson.integer(metadata, DicomJson.BITS_STORED);
    if (r.bitsStored() != null && (bits == null || !r.bitsStored().contains(bits))) {
      out.add(
          "Bits Stored (0028,0101) is "
              + (bits == null ? "missing" : bits)
              + ", the model needs "
              + r.bitsStored());
    }
    Integer samples = DicomJson.integer(metadata, DicomJson.SAMPLES_PER_PIXEL);
    if (r.samplesPerPixel() != null && !r.samplesPerPixel().equals(samples)) {
      out.add(
          "Samples per Pixel (0028,0002) is "
              + (samples == null ? "missing" : samples)
              + ", the model needs "
              + r.samplesPerPixel());
    }
    Integer allocated = DicomJson.integer(metadata, DicomJson.BITS_ALLOCATED);
    if (allocated == null || (allocated != 8 && allocated != 16)) {
      out.add(
          "Bits Allocated (0028,0100) is "
              + (allocated == null ? "missing" : allocated)
              + ", 8 or 16 are read");
    }
    range(out, "Rows (0028,0010)", DicomJson.integer(metadata, DicomJson.ROWS), r.rows());
    range(out, "Columns (0028,0011)", DicomJson.integer(metadata, DicomJson.COLUMNS), r.columns());
    if (r.pixelSpacingMm() != null) {
      Double spacing = DicomJson.number(metadata, DicomJson.PIXEL_SPACING, 0);
      String which = "Pixel Spacing (0028,0030)";
      if (spacing == null) {
        spacing = DicomJson.number(metadata, DicomJson.IMAGER_PIXEL_SPACING, 0);
        which = "Imager Pixel Spacing (0018,1164)";
      }
      if (spacing == null) {
        out.add(
            "Pixel Spacing (0028,0030) is missing, the model needs " + r.pixelSpacingMm() + " mm");
      } else if (!r.pixelSpacingMm().contains(spacing)) {
        out.add(
            which
                + " is "
                + dev.clarion.format.Formats.plain(spacing)
                + " mm, the model needs "
                + r.pixelSpacingMm()
                + " mm");
      }
    }
    Integer frames = DicomJson.integer(metadata, DicomJson.NUMBER_OF_FRAMES);
    if (frames != null && frames != 1) {
      out.add(
          "Number of Frames (0028,0008) is " + frames + ", the model reads single-frame images");
    }
    return out;
  }

  private static void oneOf(List<String> out, String what, String value, List<String> accepted) {
    if (accepted != null && !accepted.isEmpty() && (value == null || !accepted.contains(value))) {
      out.add(
          what
              + " is "
              + (value == null ? "missing" : value)
              + ", the model needs "
              + String.join(" or ", accepted));
    }
  }

  private static void range(
      List<String> out, String what, Integer value, ImageModelDescriptor.Range range) {
    if (range != null && (value == null || !range.contains(value))) {
      out.add(what + " is " + (value == null ? "missing" : value) + ", the model needs " + range);
    }
  }
}
