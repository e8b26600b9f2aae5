package dev.clarion.error;

/** Well-formed, but what it asks for cannot be done with the data as it is: 422. */
public class UnprocessableException extends ClarionException {

  public UnprocessableException(String code, String message) {
    super(code, message);
  }

  @Override
  public int status() {
    return 422;
  }

  @Override
  public String issueType() {
    return "processing";
  }
}
