package dev.clarion.error;

/** The caller is known but not allowed to do this: 403 Forbidden. */
public class ForbiddenException extends ClarionException {

  public ForbiddenException(String code, String message) {
    super(code, message);
  }

  @Override
  public int status() {
    return 403;
  }

  @Override
  public String issueType() {
    return "forbidden";
  }
}
