package dev.clarion.error;

/** The addressed thing (e.g. a CDS service) does not exist: 404 Not Found. */
public class NotFoundException extends ClarionException {

  public NotFoundException(String code, String message) {
    super(code, message);
  }

  @Override
  public int status() {
    return 404;
  }

  @Override
  public String issueType() {
    return "not-found";
  }
}
