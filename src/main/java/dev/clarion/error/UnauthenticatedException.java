package dev.clarion.error;

/**
 * The caller could not be authenticated: a bare 401 with {@code WWW-Authenticate: Bearer} and no
 * body (CDS Hooks 2.0 §Trusting CDS Clients). The code says why, for the security log only: the
 * caller is not told which check failed.
 */
public class UnauthenticatedException extends ClarionException {

  public UnauthenticatedException(String code, String message) {
    super(code, message);
  }

  @Override
  public int status() {
    return 401;
  }

  @Override
  public String issueType() {
    return "login";
  }
}
