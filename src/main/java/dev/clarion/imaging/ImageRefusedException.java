package dev.clarion.imaging;

/**
 * The image could not be scored, for a reason the card and the decision record state: the PACS is
 * down or slow, no series fits the model, or an attribute is not what the model card requires.
 * Messages name DICOM attributes and values, never patient identifiers or credentials.
 */
public class ImageRefusedException extends RuntimeException {

  private final String code;

  public ImageRefusedException(String code, String message) {
    super(message);
    this.code = code;
  }

  /** A stable code: pacs-unavailable, pacs-timeout, pacs-circuit-open, no-matching-series … */
  public String code() {
    return code;
  }
}
