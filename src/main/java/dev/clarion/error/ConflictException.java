package dev.clarion.error;

/** The change conflicts with the current state (a duplicate, a stale version): 409 Conflict. */
public class ConflictException extends ClarionException {

  public ConflictException(String code, String message) {
    super(code, message);
  }

  @Override
  public int status() {
    return 409;
  }

  @Override
  public String issueType() {
    return "conflict";
  }
}
