package dev.clarion.imaging;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads from a study only what the model needs: the first series whose modality (and body part,
 * where the PACS reports it) the model accepts, its first instance's metadata — checked against the
 * model card's requirements — and that instance's first frame, uncompressed. Every refusal says
 * why, naming DICOM attributes.
 */
public final class StudyReader {

  private StudyReader() {}

  /**
   * The image the model scored: its DICOM identifiers, the attributes checked, its stored pixels,
   * and the sha256 of the frame's bytes as the PACS sent them (what the decision record keeps —
   * never the image).
   */
  public record RetrievedImage(
      String studyUid,
      String seriesUid,
      String sopUid,
      String modality,
      String bodyPart,
      String photometricInterpretation,
      int bitsStored,
      Double pixelSpacingMm,
      PixelFrame frame,
      String pixelSha256) {}

  public static RetrievedImage read(
      DicomWebClient client,
      DicomWebEndpoint endpoint,
      String studyUid,
      ImageModelDescriptor model,
      long deadline) {
    ImageModelDescriptor.Requires r = model.requires();
    JsonNode series = client.series(endpoint, studyUid, null, deadline);
    String seriesUid = null;
    List<String> seen = new ArrayList<>();
    for (JsonNode s : series) {
      String modality = DicomJson.string(s, DicomJson.MODALITY);
      String part = DicomJson.string(s, DicomJson.BODY_PART);
      seen.add(modality == null ? "?" : modality);
      boolean partOk = part == null || r.bodyPart() == null || r.bodyPart().contains(part);
      if (modality != null && r.modality().contains(modality) && partOk) {
        seriesUid = DicomJson.string(s, DicomJson.SERIES_INSTANCE_UID);
        break;
      }
    }
    if (seriesUid == null) {
      throw new ImageRefusedException(
          "no-matching-series",
          series.isEmpty()
              ? "The PACS has no series of this study."
              : "No series of the study is one the model reads: the study has "
                  + String.join(", ", seen.stream().distinct().toList())
                  + "; the model needs "
                  + String.join(" or ", r.modality())
                  + (r.bodyPart() == null ? "" : " of " + String.join(" or ", r.bodyPart()))
                  + ".");
    }
    JsonNode instances = client.instances(endpoint, studyUid, seriesUid, deadline);
    if (instances.isEmpty()) {
      throw new ImageRefusedException(
          "no-matching-series", "The selected series has no instances.");
    }
    String sopUid = DicomJson.string(instances.get(0), DicomJson.SOP_INSTANCE_UID);
    return readInstance(client, endpoint, studyUid, seriesUid, sopUid, model, deadline);
  }

  /**
   * Reads one known instance (as the explanation page does, to draw the image a decision used): its
   * metadata checked against the model card, and its first frame.
   */
  public static RetrievedImage readInstance(
      DicomWebClient client,
      DicomWebEndpoint endpoint,
      String studyUid,
      String seriesUid,
      String sopUid,
      ImageModelDescriptor model,
      long deadline) {
    ImageModelDescriptor.Requires r = model.requires();
    JsonNode meta = client.metadata(endpoint, studyUid, seriesUid, sopUid, deadline);
    List<String> mismatches = ImageRequirements.mismatches(r, meta);
    if (!mismatches.isEmpty()) {
      throw new ImageRefusedException("image-attributes", String.join("; ", mismatches) + ".");
    }
    int rows = DicomJson.integer(meta, DicomJson.ROWS);
    int columns = DicomJson.integer(meta, DicomJson.COLUMNS);
    int allocated = DicomJson.integer(meta, DicomJson.BITS_ALLOCATED);
    int stored = DicomJson.integer(meta, DicomJson.BITS_STORED);
    Integer representation = DicomJson.integer(meta, DicomJson.PIXEL_REPRESENTATION);
    Double slope = DicomJson.number(meta, DicomJson.RESCALE_SLOPE, 0);
    Double intercept = DicomJson.number(meta, DicomJson.RESCALE_INTERCEPT, 0);
    byte[] bytes = client.frame(endpoint, studyUid, seriesUid, sopUid, deadline);
    int expected = rows * columns * (allocated / 8);
    if (bytes.length != expected && bytes.length != expected + 1) { // + 1: even-length padding
      throw new ImageRefusedException(
          "unsupported-transfer-syntax",
          "The frame is "
              + bytes.length
              + " bytes, not the "
              + expected
              + " of uncompressed "
              + rows
              + " x "
              + columns
              + " pixels of "
              + allocated
              + " bits.");
    }
    int[] values =
        decode(
            bytes,
            rows * columns,
            allocated,
            stored,
            representation != null && representation == 1);
    PixelFrame frame =
        new PixelFrame(
            rows,
            columns,
            values,
            slope == null ? 1 : slope,
            intercept == null ? 0 : intercept,
            DicomJson.string(meta, DicomJson.PHOTOMETRIC));
    Double spacing = DicomJson.number(meta, DicomJson.PIXEL_SPACING, 0);
    return new RetrievedImage(
        studyUid,
        seriesUid,
        sopUid,
        DicomJson.string(meta, DicomJson.MODALITY),
        DicomJson.string(meta, DicomJson.BODY_PART),
        frame.photometricInterpretation(),
        stored,
        spacing != null ? spacing : DicomJson.number(meta, DicomJson.IMAGER_PIXEL_SPACING, 0),
        frame,
        dev.clarion.model.ModelLoader.sha256(java.util.Arrays.copyOf(bytes, expected)));
  }

  /** Little-endian stored values, masked to Bits Stored (sign-extended when signed). */
  static int[] decode(byte[] bytes, int n, int allocated, int stored, boolean signed) {
    int[] out = new int[n];
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int mask = (1 << stored) - 1;
    for (int i = 0; i < n; i++) {
      int raw = allocated == 16 ? Short.toUnsignedInt(b.getShort()) : Byte.toUnsignedInt(b.get());
      int v = raw & mask;
      if (signed && (v & (1 << (stored - 1))) != 0) {
        v -= 1 << stored;
      }
      out[i] = v;
    }
    return out;
  }
}
