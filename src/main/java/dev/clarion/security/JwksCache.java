package dev.clarion.security;

import com.nimbusds.jose.jwk.JWKSet;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Public keys fetched from registered JWKS URLs, cached per URL. Only URLs taken from a client
 * registration are ever passed here — never a {@code jku} a token names on its own (CDS Hooks 2.0:
 * "never fetch an arbitrary jku"). A URL is re-fetched when its keys are older than the TTL, or
 * when a token names an unknown {@code kid} — at most once per minimum interval, so unknown kids
 * cannot turn Clarion into a JWKS flooder. When a re-fetch fails the previous keys stay in use.
 *
 * <p>Thread-safe: fetches of one URL are serialized, different URLs are independent.
 */
@ApplicationScoped
public class JwksCache {

  private static final Logger LOG = Logger.getLogger(JwksCache.class);
  private static final int MAX_BYTES = 256 * 1024;

  private record Entry(JWKSet keys, Instant fetchedAt, Instant lastAttempt) {}

  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Object> locks = new ConcurrentHashMap<>();
  private final SecurityConfig config;
  private final Clock clock;
  private final HttpClient http;

  JwksCache(SecurityConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(config.jwksFetchTimeout())
            .build();
  }

  /**
   * The keys published at {@code url}, fetching them if not cached or stale.
   *
   * @param refresh the caller saw an unknown {@code kid}: re-fetch unless that was done recently
   * @return the keys, or empty when the URL has never been fetched successfully
   */
  public Optional<JWKSet> keys(String url, boolean refresh) {
    Entry entry = entries.get(url);
    Instant now = clock.instant();
    if (entry != null && !needsFetch(entry, now, refresh)) {
      return Optional.of(entry.keys());
    }
    synchronized (locks.computeIfAbsent(url, u -> new Object())) {
      entry = entries.get(url);
      if (entry == null || needsFetch(entry, now, refresh)) {
        entry = fetchInto(url, entry, now);
      }
    }
    return Optional.ofNullable(entry).map(Entry::keys);
  }

  /** The keys already cached for {@code url} (possibly stale); never fetches. */
  public Optional<JWKSet> cached(String url) {
    return Optional.ofNullable(entries.get(url)).map(Entry::keys);
  }

  private boolean needsFetch(Entry entry, Instant now, boolean refresh) {
    boolean mayTry = !entry.lastAttempt().plus(config.jwksMinRefreshInterval()).isAfter(now);
    boolean stale =
        entry.keys() == null || !entry.fetchedAt().plus(config.jwksCacheTtl()).isAfter(now);
    return mayTry && (stale || refresh);
  }

  private Entry fetchInto(String url, Entry previous, Instant now) {
    Entry next;
    try {
      next = new Entry(fetch(url, config.jwksFetchTimeout()), now, now);
    } catch (JwksException e) {
      LOG.warnf("JWKS fetch from %s failed: %s", url, e.getMessage());
      next =
          previous == null
              ? new Entry(null, Instant.EPOCH, now)
              : new Entry(previous.keys(), previous.fetchedAt(), now);
    }
    entries.put(url, next);
    return next.keys() == null ? null : next;
  }

  /** Forgets every cached key set (tests; a registration change does not need it). */
  void clear() {
    entries.clear();
  }

  /**
   * Fetches and parses a JWK Set, keeping public keys only.
   *
   * @throws JwksException with a message fit for an integrator when the URL does not serve one
   */
  JWKSet fetch(String url, Duration timeout) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(timeout)
            .header("Accept", "application/json, application/jwk-set+json")
            .GET()
            .build();
    try {
      HttpResponse<InputStream> response =
          http.send(request, HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream body = response.body()) {
        if (response.statusCode() != 200) {
          throw new JwksException("HTTP " + response.statusCode());
        }
        byte[] bytes = body.readNBytes(MAX_BYTES + 1);
        if (bytes.length > MAX_BYTES) {
          throw new JwksException("larger than " + MAX_BYTES / 1024 + " kB");
        }
        return JWKSet.parse(new String(bytes, StandardCharsets.UTF_8)).toPublicJWKSet();
      }
    } catch (ParseException e) {
      throw new JwksException("not a JWK Set (" + e.getMessage() + ")");
    } catch (IOException e) {
      throw new JwksException("unreachable (" + e.getClass().getSimpleName() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new JwksException("interrupted");
    }
  }

  /** A JWKS URL did not serve a usable JWK Set. */
  static final class JwksException extends RuntimeException {
    JwksException(String message) {
      super(message);
    }
  }
}
