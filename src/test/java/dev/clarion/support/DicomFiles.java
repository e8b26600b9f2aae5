package dev.clarion.support;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes DICOM Part 10 files (PS3.10 §7: preamble, "DICM", file meta group in Explicit VR Little
 * Endian) of single-frame greyscale images, for the tests' PACS. Only what the tests need: a
 * Digital X-Ray image with 16 bits allocated, uncompressed; tag order and even value lengths as
 * PS3.5 §7.1 requires. The server never writes DICOM: the PACS decodes, Clarion reads DICOM JSON
 * and frames over DICOMweb.
 */
public final class DicomFiles {

  /** Explicit VR Little Endian (PS3.5 §A.2). */
  public static final String EXPLICIT_LE = "1.2.840.10008.1.2.1";

  /** Explicit VR Big Endian (retired; PS3.5 §A.3): a syntax Clarion's path does not accept. */
  public static final String EXPLICIT_BE = "1.2.840.10008.1.2.2";

  /** Digital X-Ray Image Storage - For Presentation. */
  static final String DX_FOR_PRESENTATION = "1.2.840.10008.5.1.4.1.1.1.1";

  private DicomFiles() {}

  /** What one synthetic instance says about itself. */
  public record Instance(
      String patientId,
      String patientName,
      String studyUid,
      String seriesUid,
      String sopUid,
      String modality,
      String bodyPart,
      String photometric,
      int bitsStored,
      double pixelSpacingMm,
      int rows,
      int columns,
      int[] pixels) {

    /** The same instance with another modality (and UIDs left as they are). */
    public Instance withModality(String m) {
      return new Instance(
          patientId,
          patientName,
          studyUid,
          seriesUid,
          sopUid,
          m,
          bodyPart,
          photometric,
          bitsStored,
          pixelSpacingMm,
          rows,
          columns,
          pixels);
    }
  }

  /** The Part 10 bytes of an instance in Explicit VR Little Endian. */
  public static byte[] write(Instance i) {
    return write(i, EXPLICIT_LE);
  }

  /**
   * The Part 10 bytes of an instance whose pixel data is encapsulated (PS3.5 §A.4) in a compressed
   * transfer syntax, with {@code fragment} as its one fragment — e.g. a JPEG 2000 syntax with bytes
   * no codec can decode.
   */
  public static byte[] writeEncapsulated(Instance i, String transferSyntax, byte[] fragment) {
    return write(i, transferSyntax, fragment);
  }

  /** The Part 10 bytes of an instance in the given uncompressed transfer syntax (LE or BE). */
  public static byte[] write(Instance i, String transferSyntax) {
    return write(i, transferSyntax, null);
  }

  private static byte[] write(Instance i, String transferSyntax, byte[] fragment) {
    ByteOrder order =
        transferSyntax.equals(EXPLICIT_BE) ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    Map<Integer, Element> data = new TreeMap<>(Integer::compareUnsigned);
    put(data, 0x00080016, "UI", DX_FOR_PRESENTATION);
    put(data, 0x00080018, "UI", i.sopUid());
    put(data, 0x00080020, "DA", "20261201");
    put(data, 0x00080060, "CS", i.modality());
    put(data, 0x00080068, "CS", "FOR PRESENTATION");
    put(data, 0x00100010, "PN", i.patientName());
    put(data, 0x00100020, "LO", i.patientId());
    put(data, 0x00180015, "CS", i.bodyPart());
    put(data, 0x0020000D, "UI", i.studyUid());
    put(data, 0x0020000E, "UI", i.seriesUid());
    put(data, 0x00200011, "IS", "1");
    put(data, 0x00200013, "IS", "1");
    data.put(0x00280002, new Element("US", us(1, order)));
    put(data, 0x00280004, "CS", i.photometric());
    data.put(0x00280010, new Element("US", us(i.rows(), order)));
    data.put(0x00280011, new Element("US", us(i.columns(), order)));
    String spacing = fmt(i.pixelSpacingMm());
    put(data, 0x00280030, "DS", spacing + "\\" + spacing);
    data.put(0x00280100, new Element("US", us(16, order)));
    data.put(0x00280101, new Element("US", us(i.bitsStored(), order)));
    data.put(0x00280102, new Element("US", us(i.bitsStored() - 1, order)));
    data.put(0x00280103, new Element("US", us(0, order)));
    put(data, 0x00281050, "DS", "2048");
    put(data, 0x00281051, "DS", "4096");
    put(data, 0x00281052, "DS", "0");
    put(data, 0x00281053, "DS", "1");
    ByteBuffer px = ByteBuffer.allocate(i.pixels().length * 2).order(order);
    for (int p : i.pixels()) {
      px.putShort((short) p);
    }
    if (fragment == null) {
      data.put(0x7FE00010, new Element("OW", px.array()));
    } else {
      // undefined length; an empty basic offset table item, one fragment, the sequence delimiter
      byte[] f =
          fragment.length % 2 == 0
              ? fragment
              : java.util.Arrays.copyOf(fragment, fragment.length + 1);
      ByteBuffer enc = ByteBuffer.allocate(8 + 8 + f.length + 8).order(ByteOrder.LITTLE_ENDIAN);
      enc.putShort((short) 0xFFFE).putShort((short) 0xE000).putInt(0);
      enc.putShort((short) 0xFFFE).putShort((short) 0xE000).putInt(f.length).put(f);
      enc.putShort((short) 0xFFFE).putShort((short) 0xE0DD).putInt(0);
      data.put(0x7FE00010, new Element("OB", enc.array(), true));
    }

    Map<Integer, Element> meta = new TreeMap<>(Integer::compareUnsigned);
    meta.put(0x00020001, new Element("OB", new byte[] {0, 1}));
    put(meta, 0x00020002, "UI", DX_FOR_PRESENTATION);
    put(meta, 0x00020003, "UI", i.sopUid());
    put(meta, 0x00020010, "UI", transferSyntax);
    put(meta, 0x00020012, "UI", "1.2.826.0.1.3680043.10.1234.1");
    byte[] metaBytes = encode(meta, ByteOrder.LITTLE_ENDIAN);

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[128]);
    out.writeBytes("DICM".getBytes(StandardCharsets.US_ASCII));
    Map<Integer, Element> length = new TreeMap<>();
    length.put(
        0x00020000,
        new Element(
            "UL",
            ByteBuffer.allocate(4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(metaBytes.length)
                .array()));
    out.writeBytes(encode(length, ByteOrder.LITTLE_ENDIAN));
    out.writeBytes(metaBytes);
    out.writeBytes(encode(data, order));
    return out.toByteArray();
  }

  private record Element(String vr, byte[] value, boolean undefinedLength) {
    Element(String vr, byte[] value) {
      this(vr, value, false);
    }
  }

  private static void put(Map<Integer, Element> m, int tag, String vr, String value) {
    byte[] b = value.getBytes(StandardCharsets.US_ASCII);
    if (b.length % 2 == 1) {
      byte[] padded = java.util.Arrays.copyOf(b, b.length + 1);
      padded[b.length] = (byte) (vr.equals("UI") ? 0 : ' ');
      b = padded;
    }
    m.put(tag, new Element(vr, b));
  }

  private static byte[] us(int v, ByteOrder order) {
    return ByteBuffer.allocate(2).order(order).putShort((short) v).array();
  }

  private static byte[] encode(Map<Integer, Element> elements, ByteOrder order) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Map.Entry<Integer, Element> e : elements.entrySet()) {
      int tag = e.getKey();
      Element el = e.getValue();
      boolean longForm = el.vr().equals("OB") || el.vr().equals("OW");
      ByteBuffer head = ByteBuffer.allocate(longForm ? 12 : 8).order(order);
      head.putShort((short) (tag >>> 16)).putShort((short) (tag & 0xFFFF));
      head.put(el.vr().getBytes(StandardCharsets.US_ASCII));
      if (longForm) {
        head.putShort((short) 0).putInt(el.undefinedLength() ? -1 : el.value().length);
      } else {
        head.putShort((short) el.value().length);
      }
      out.writeBytes(head.array());
      out.writeBytes(el.value());
    }
    return out.toByteArray();
  }

  private static String fmt(double v) {
    return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
  }
}
