package dev.clarion.imaging;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** The first part of a {@code multipart/related} body (RFC 2387), as WADO-RS sends frames. */
final class Multipart {

  private Multipart() {}

  static byte[] firstPart(byte[] body, String contentType) {
    String boundary = null;
    for (String p : contentType.split(";")) {
      String t = p.trim();
      if (t.toLowerCase(java.util.Locale.ROOT).startsWith("boundary=")) {
        boundary = t.substring("boundary=".length()).replace("\"", "");
      }
    }
    if (boundary == null) {
      throw new ImageRefusedException(
          "pacs-invalid", "The PACS sent a multipart body without a boundary.");
    }
    byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.US_ASCII);
    int start = indexOf(body, delimiter, 0);
    if (start < 0) {
      throw new ImageRefusedException("pacs-invalid", "The PACS sent a malformed multipart body.");
    }
    // headers end at the first blank line after the delimiter
    byte[] blank = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    int headersEnd = indexOf(body, blank, start + delimiter.length);
    byte[] next = ("\r\n--" + boundary).getBytes(StandardCharsets.US_ASCII);
    int end = headersEnd < 0 ? -1 : indexOf(body, next, headersEnd + blank.length);
    if (headersEnd < 0 || end < 0) {
      throw new ImageRefusedException("pacs-invalid", "The PACS sent a malformed multipart body.");
    }
    return Arrays.copyOfRange(body, headersEnd + blank.length, end);
  }

  static int indexOf(byte[] haystack, byte[] needle, int from) {
    outer:
    for (int i = from; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
