package dev.clarion.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.jwk.JWKSet;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.jboss.logging.Logger;

/**
 * The enabled client registrations, read from the database and kept in memory so a hook call costs
 * no query. Every replica re-reads them after {@link SecurityConfig#registrationRefresh()}; the
 * replica that made a change re-reads at once. While one thread re-reads, others use the previous
 * snapshot. Thread-safe.
 */
@ApplicationScoped
public class ClientDirectory {

  private static final Logger LOG = Logger.getLogger(ClientDirectory.class);

  /** Fired after a registration change commits. */
  public record Changed() {}

  private record Snapshot(Map<String, List<TrustedClient>> byIss, Instant loadedAt) {}

  private final ClientRegistry registry;
  private final SecurityConfig config;
  private final ObjectMapper mapper;
  private final Clock clock;
  private final ReentrantLock loading = new ReentrantLock();
  private volatile Snapshot snapshot;

  ClientDirectory(
      ClientRegistry registry, SecurityConfig config, ObjectMapper mapper, Clock clock) {
    this.registry = registry;
    this.config = config;
    this.mapper = mapper;
    this.clock = clock;
  }

  /**
   * The client for a token's {@code iss} and {@code tenant}: a registration for exactly that
   * tenant, else one registered without a tenant (which then accepts any tenant claim).
   */
  Optional<TrustedClient> find(String iss, String tenant) {
    List<TrustedClient> candidates = current().byIss().getOrDefault(iss, List.of());
    String wanted = tenant == null ? "" : tenant;
    return candidates.stream()
        .filter(c -> c.tenant().equals(wanted))
        .findFirst()
        .or(() -> candidates.stream().filter(c -> c.tenant().isEmpty()).findFirst());
  }

  /** Whether any enabled client has this issuer (to tell "unknown iss" from "wrong tenant"). */
  boolean knowsIssuer(String iss) {
    return current().byIss().containsKey(iss);
  }

  void onChange(@Observes(during = TransactionPhase.AFTER_SUCCESS) Changed changed) {
    snapshot = null;
  }

  private Snapshot current() {
    Snapshot s = snapshot;
    if (s != null && s.loadedAt().plus(config.registrationRefresh()).isAfter(clock.instant())) {
      return s;
    }
    if (s != null && !loading.tryLock()) {
      return s; // another thread is re-reading
    }
    if (s == null) {
      loading.lock();
    }
    try {
      Snapshot again = snapshot;
      if (again != s && again != null) {
        return again;
      }
      Snapshot loaded = load();
      snapshot = loaded;
      return loaded;
    } finally {
      loading.unlock();
    }
  }

  private Snapshot load() {
    Instant now = clock.instant();
    Map<String, List<TrustedClient>> byIss = new HashMap<>();
    for (EhrClient c : registry.enabledClients()) {
      JWKSet keys = null;
      if (c.jwks != null) {
        try {
          keys = JWKSet.parse(mapper.writeValueAsString(c.jwks)).toPublicJWKSet();
        } catch (ParseException | com.fasterxml.jackson.core.JsonProcessingException e) {
          // Validated on registration; a row edited by hand is skipped, not fatal.
          LOG.errorf("Client %s has an unreadable JWK Set; its static keys are ignored", c.id);
        }
      }
      TrustedClient trusted =
          new TrustedClient(
              c.id,
              c.iss,
              c.tenant,
              keys,
              List.copyOf(c.jwksUrls),
              new LinkedHashSet<>(c.services),
              List.copyOf(c.fhirServers));
      byIss.computeIfAbsent(c.iss, k -> new java.util.ArrayList<>()).add(trusted);
    }
    byIss.replaceAll((k, v) -> List.copyOf(v));
    return new Snapshot(Map.copyOf(byIss), now);
  }
}
