package dev.clarion.error;

/**
 * Base of the exceptions that end a request with a definite HTTP status and an OperationOutcome.
 * Each subclass fixes the status; {@link #code()} is a stable machine-readable code. Messages are
 * shown to the caller: they must never contain patient data, tokens or internal details.
 */
public abstract class ClarionException extends RuntimeException {

  private final String code;

  protected ClarionException(String code, String message) {
    super(message);
    this.code = code;
  }

  protected ClarionException(String code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /** Stable error code, also written to the decision record. */
  public String code() {
    return code;
  }

  /** HTTP status of this outcome. */
  public abstract int status();

  /** FHIR OperationOutcome issue type (http://hl7.org/fhir/issue-type). */
  public abstract String issueType();
}
