package dev.clarion.error;

/**
 * A call's body stopped arriving: not all of it came within {@code quarkus.http.read-timeout} of
 * its headers (408, and the connection is closed). Nothing of the call was read as a request.
 */
public class RequestTimeoutException extends ClarionException {

  public RequestTimeoutException(long seconds) {
    super(
        "body-timeout",
        "The request body did not arrive within "
            + seconds
            + " s of its headers; the connection is closed. No advice is returned.");
  }

  @Override
  public int status() {
    return 408;
  }

  @Override
  public String issueType() {
    return "timeout";
  }
}
