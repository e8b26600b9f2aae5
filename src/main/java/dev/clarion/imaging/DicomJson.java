package dev.clarion.imaging;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads attributes from a DICOM JSON dataset (PS3.18 §F.2: {@code {"00080060": {"vr": "CS",
 * "Value": ["DX"]}}}).
 */
final class DicomJson {

  static final String MODALITY = "00080060";
  static final String SOP_INSTANCE_UID = "00080018";
  static final String STUDY_INSTANCE_UID = "0020000D";
  static final String SERIES_INSTANCE_UID = "0020000E";
  static final String BODY_PART = "00180015";
  static final String IMAGER_PIXEL_SPACING = "00181164";
  static final String SAMPLES_PER_PIXEL = "00280002";
  static final String PHOTOMETRIC = "00280004";
  static final String NUMBER_OF_FRAMES = "00280008";
  static final String ROWS = "00280010";
  static final String COLUMNS = "00280011";
  static final String PIXEL_SPACING = "00280030";
  static final String BITS_ALLOCATED = "00280100";
  static final String BITS_STORED = "00280101";
  static final String PIXEL_REPRESENTATION = "00280103";
  static final String RESCALE_INTERCEPT = "00281052";
  static final String RESCALE_SLOPE = "00281053";

  private DicomJson() {}

  /** The first value as text, or null. */
  static String string(JsonNode dataset, String tag) {
    JsonNode v = dataset.path(tag).path("Value");
    if (!v.isArray() || v.isEmpty() || v.get(0).isNull()) {
      return null;
    }
    JsonNode first = v.get(0);
    // PN values are objects ({"Alphabetic": ...}); nothing here needs them
    return first.isTextual() || first.isNumber() ? first.asText().trim() : null;
  }

  /** The first value as an integer, or null. */
  static Integer integer(JsonNode dataset, String tag) {
    String s = string(dataset, tag);
    if (s == null) {
      return null;
    }
    try {
      return (int) Double.parseDouble(s);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The value at index i as a number, or null. */
  static Double number(JsonNode dataset, String tag, int i) {
    JsonNode v = dataset.path(tag).path("Value").path(i);
    if (v.isNumber()) {
      return v.asDouble();
    }
    if (v.isTextual()) {
      try {
        return Double.parseDouble(v.asText().trim());
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }
}
