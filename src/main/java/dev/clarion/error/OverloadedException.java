package dev.clarion.error;

/**
 * Too many calls at once: this one was turned away before any work (503 with {@code Retry-After}).
 * CDS Hooks clients show no card for it, as for any failed call.
 */
public class OverloadedException extends ClarionException {

  private final int retryAfterSeconds;

  public OverloadedException(int retryAfterSeconds) {
    super("overloaded", "Too many calls at once; try again shortly. No advice is returned.");
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** The {@code Retry-After} header's value. */
  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }

  @Override
  public int status() {
    return 503;
  }

  @Override
  public String issueType() {
    return "throttled";
  }
}
