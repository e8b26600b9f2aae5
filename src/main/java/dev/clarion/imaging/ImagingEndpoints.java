package dev.clarion.imaging;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Optional;

/**
 * The allowlist of DICOMweb endpoints per calling client, with each endpoint's credential: an
 * ImagingStudy may name any address, but only one registered here for the caller is read, so a
 * study cannot make Clarion call an arbitrary URL or send a credential elsewhere.
 *
 * <p>Immutable and thread-safe.
 */
@ApplicationScoped
public class ImagingEndpoints {

  /** The caller name for the embedded run's unsigned loopback calls. */
  public static final String LOOPBACK = "loopback";

  /** One registered endpoint. */
  public record Registered(String url, String authorization, List<String> clients) {}

  private final List<Registered> registered;

  @Inject
  ImagingEndpoints(ImagingConfig config) {
    this(
        config.endpoints().values().stream()
            .map(e -> new Registered(e.url(), e.authorization().orElse(null), e.clients()))
            .toList());
  }

  public ImagingEndpoints(List<Registered> registered) {
    this.registered = List.copyOf(registered);
  }

  /**
   * The endpoint at this address that this caller may read from, with its credential; empty when it
   * is not registered for the caller.
   *
   * @param caller the client's {@code iss}, or {@link #LOOPBACK}
   */
  public Optional<DicomWebEndpoint> forCaller(String address, String caller) {
    if (address == null || caller == null) {
      return Optional.empty();
    }
    String wanted = strip(address);
    return registered.stream()
        .filter(r -> strip(r.url()).equals(wanted) && r.clients().contains(caller))
        .findFirst()
        .map(r -> new DicomWebEndpoint(strip(r.url()), r.authorization()));
  }

  static String strip(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
