package dev.clarion.error;

/**
 * The decision record could not be committed, so no advice may be returned: 503 Service
 * Unavailable.
 */
public class RecordUnavailableException extends ClarionException {

  public RecordUnavailableException(Throwable cause) {
    super(
        "record-unavailable",
        "The decision could not be recorded; no advice is returned. Try again later.",
        cause);
  }

  @Override
  public int status() {
    return 503;
  }

  @Override
  public String issueType() {
    return "transient";
  }
}
