package dev.clarion.error;

/** The request cannot be processed as sent: 400 Bad Request. */
public class InvalidRequestException extends ClarionException {

  public InvalidRequestException(String code, String message) {
    super(code, message);
  }

  @Override
  public int status() {
    return 400;
  }

  @Override
  public String issueType() {
    return "invalid";
  }
}
