package dev.clarion.imaging;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reading images from a PACS over DICOMweb for imaging models. */
@ConfigMapping(prefix = "clarion.imaging")
public interface ImagingConfig {

  /**
   * Imaging services answer only when this is on. Off by default: the only imaging model shipped is
   * a demonstration trained on synthetic images. While off, an imaging service is not offered (not
   * in discovery, 404 when called).
   */
  @WithDefault("false")
  boolean enabled();

  /**
   * Time budget for all DICOMweb calls of one hook call (series search, instances, metadata,
   * frame); what is left of it bounds each call.
   */
  @WithDefault("3s")
  Duration deadline();

  /** Timeout of one DICOMweb call (the hook's deadline may cut it shorter). */
  @WithDefault("2s")
  Duration callTimeout();

  /**
   * The DICOMweb endpoints Clarion may read images from, by a name of the integrator's choosing:
   * {@code clarion.imaging.endpoints.pacs.url=https://pacs.example.org/dicom-web}, its credential
   * (from a Secret) and the EHR clients whose studies may point at it. An ImagingStudy's endpoint
   * that is not listed here for the calling client is never contacted.
   */
  Map<String, Endpoint> endpoints();

  interface Endpoint {
    /** The DICOMweb root, as {@code Endpoint.address} names it (compared without trailing '/'). */
    String url();

    /**
     * The {@code Authorization} header value Clarion sends ("Basic …" or "Bearer …"); never the
     * EHR's FHIR token. Keep it in a Secret ({@code
     * CLARION_IMAGING_ENDPOINTS_<NAME>_AUTHORIZATION}).
     */
    Optional<String> authorization();

    /**
     * The registered EHR clients (their {@code iss}) whose calls may read from this endpoint;
     * {@code loopback} for the embedded run's unsigned loopback calls.
     */
    List<String> clients();
  }

  /** The circuit breaker of each DICOMweb endpoint. */
  CircuitBreaker circuitBreaker();

  interface CircuitBreaker {
    /** Calls in the rolling window before the breaker may open (when half of them failed). */
    @WithDefault("20")
    int requestVolumeThreshold();

    /** How long an open breaker refuses calls before letting one through. */
    @WithDefault("30s")
    Duration delay();
  }
}
