package dev.clarion.imaging;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Reading images from a PACS over DICOMweb for imaging models. */
@ConfigMapping(prefix = "clarion.imaging")
public interface ImagingConfig {

  /** Timeout of one DICOMweb call (the hook's deadline may cut it shorter). */
  @WithDefault("2s")
  Duration callTimeout();

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
