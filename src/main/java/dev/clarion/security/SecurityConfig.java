package dev.clarion.security;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Who may call Clarion: CDS client JWT verification (CDS Hooks 2.0 §Trusting CDS Clients). */
@ConfigMapping(prefix = "clarion.security")
public interface SecurityConfig {

  /**
   * Accept CDS Hooks calls that carry no {@code Authorization} header when they come from the
   * loopback interface (and carry no proxy forwarding header). Only for trying Clarion on one
   * machine: the embedded run (no JDBC URL configured) turns it on and says so at start-up; a
   * production run with a real database refuses to start with it.
   */
  @WithDefault("false")
  boolean unsignedLoopback();

  /** Clock skew tolerated on {@code exp}, {@code iat} and {@code nbf}. */
  @WithDefault("30s")
  Duration clockSkew();

  /**
   * Longest token lifetime accepted ({@code exp - iat}). CDS clients issue tokens of about five
   * minutes; the bound also bounds the replay cache.
   */
  @WithDefault("1h")
  Duration maxTokenLifetime();

  /**
   * How often each replica re-reads the client registrations from the database; a change made on
   * another replica takes effect within this time (at once on the replica that made it).
   */
  @WithDefault("5s")
  Duration registrationRefresh();

  /** JWKS fetched from a registered URL are re-fetched after this time. */
  @WithDefault("15m")
  Duration jwksCacheTtl();

  /**
   * A token with an unknown {@code kid} triggers a JWKS re-fetch (key rotation), at most once per
   * this interval per URL, so unknown kids cannot be used to make Clarion hammer a JWKS server.
   */
  @WithDefault("30s")
  Duration jwksMinRefreshInterval();

  /** Timeout of one JWKS fetch. */
  @WithDefault("2s")
  Duration jwksFetchTimeout();

  /**
   * Allow {@code http://} JWKS URLs in registrations. Off: only {@code https://} (tests turn it on
   * for a local JWKS server).
   */
  @WithDefault("false")
  boolean allowHttpJwksUrls();
}
