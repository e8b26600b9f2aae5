package dev.clarion.error;

/**
 * Required data is neither in the prefetch nor obtainable: 412 Precondition Failed, as CDS Hooks
 * 2.0 §Prefetch requires.
 */
public class PrefetchUnavailableException extends ClarionException {

  public PrefetchUnavailableException(String message) {
    super("prefetch-unavailable", message);
  }

  @Override
  public int status() {
    return 412;
  }

  @Override
  public String issueType() {
    return "incomplete";
  }
}
