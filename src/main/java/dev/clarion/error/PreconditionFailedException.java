package dev.clarion.error;

/** An {@code If-Match} precondition does not hold (the resource changed): 412. */
public class PreconditionFailedException extends ClarionException {

  public PreconditionFailedException(String code, String message) {
    super(code, message);
  }

  @Override
  public int status() {
    return 412;
  }

  @Override
  public String issueType() {
    return "conflict";
  }
}
