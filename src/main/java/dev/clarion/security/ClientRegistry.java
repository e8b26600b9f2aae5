package dev.clarion.security;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.jwk.JWKSet;
import dev.clarion.cds.api.ServiceCatalog;
import dev.clarion.error.ConflictException;
import dev.clarion.error.InvalidRequestException;
import dev.clarion.error.NotFoundException;
import dev.clarion.error.PreconditionFailedException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceException;
import java.net.URI;
import java.net.URISyntaxException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.hibernate.exception.ConstraintViolationException;

/**
 * Registration of EHR clients by integrators: create, read, update, enable/disable, and which CDS
 * services each client may call. Every registration is validated (keys usable for ES/RS signatures,
 * JWKS URLs reachable, service ids known, FHIR server URLs absolute) and every change is recorded
 * in {@code ehr_client_change} in the same transaction. JWKS URLs are fetched before the
 * transaction starts, so no database connection waits on the network. Thread-safe.
 */
@ApplicationScoped
public class ClientRegistry {

  private final EntityManager em;
  private final ServiceCatalog services;
  private final JwksCache jwks;
  private final SecurityConfig config;
  private final ObjectMapper mapper;
  private final Clock clock;
  private final Event<ClientDirectory.Changed> changed;

  ClientRegistry(
      EntityManager em,
      ServiceCatalog services,
      JwksCache jwks,
      SecurityConfig config,
      ObjectMapper mapper,
      Clock clock,
      Event<ClientDirectory.Changed> changed) {
    this.em = em;
    this.services = services;
    this.jwks = jwks;
    this.config = config;
    this.mapper = mapper;
    this.clock = clock;
    this.changed = changed;
  }

  public ClientView create(ClientRegistration registration, String actor) {
    Valid valid = validate(registration);
    return QuarkusTransaction.requiringNew()
        .call(
            () -> {
              requireUnique(valid.iss(), valid.tenant(), null);
              EhrClient client = new EhrClient();
              client.id = UUID.randomUUID();
              valid.applyTo(client);
              Instant now = clock.instant();
              client.createdAt = now;
              client.createdBy = actor;
              client.updatedAt = now;
              client.updatedBy = actor;
              em.persist(client);
              return record(client, null, "CREATE", actor);
            });
  }

  /**
   * Replaces a registration.
   *
   * @param expectedVersion the version the integrator last read ({@code If-Match}), or null
   */
  public ClientView update(
      UUID id, ClientRegistration registration, Long expectedVersion, String actor) {
    Valid valid = validate(registration);
    return change(
        id,
        expectedVersion,
        "UPDATE",
        actor,
        client -> {
          requireUnique(valid.iss(), valid.tenant(), id);
          valid.applyTo(client);
        });
  }

  public ClientView setEnabled(UUID id, boolean enabled, String actor) {
    return change(id, null, enabled ? "ENABLE" : "DISABLE", actor, c -> c.enabled = enabled);
  }

  /** Allows ({@code allowed}) or stops a client calling one CDS service. */
  public ClientView setService(UUID id, String serviceId, boolean allowed, String actor) {
    if (services.find(serviceId).isEmpty()) {
      throw new NotFoundException("unknown-service", "No CDS service '" + serviceId + "'.");
    }
    return change(
        id,
        null,
        (allowed ? "ALLOW_SERVICE " : "DENY_SERVICE ") + serviceId,
        actor,
        client -> {
          LinkedHashSet<String> set = new LinkedHashSet<>(client.services);
          if (allowed) {
            set.add(serviceId);
          } else {
            set.remove(serviceId);
          }
          client.services = new ArrayList<>(set);
        });
  }

  public ClientView get(UUID id) {
    return QuarkusTransaction.joiningExisting().call(() -> ClientView.of(load(id)));
  }

  public List<ClientView> list() {
    return QuarkusTransaction.joiningExisting()
        .call(
            () ->
                em
                    .createQuery("from EhrClient order by createdAt", EhrClient.class)
                    .getResultList()
                    .stream()
                    .map(ClientView::of)
                    .toList());
  }

  public List<ClientView.Change> changes(UUID id) {
    return QuarkusTransaction.joiningExisting()
        .call(
            () -> {
              load(id);
              return em
                  .createQuery(
                      "from EhrClientChange where clientId = :id order by id",
                      EhrClientChange.class)
                  .setParameter("id", id)
                  .getResultList()
                  .stream()
                  .map(ClientView.Change::of)
                  .toList();
            });
  }

  /** Enabled registrations, detached (read by {@link ClientDirectory}). */
  public List<EhrClient> enabledClients() {
    return QuarkusTransaction.joiningExisting()
        .call(
            () ->
                em.createQuery("from EhrClient where enabled = true", EhrClient.class)
                    .getResultList());
  }

  private ClientView change(
      UUID id, Long expectedVersion, String action, String actor, Consumer<EhrClient> edit) {
    return QuarkusTransaction.requiringNew()
        .call(
            () -> {
              EhrClient client = load(id);
              if (expectedVersion != null && expectedVersion != client.version) {
                throw new PreconditionFailedException(
                    "stale-version",
                    "The registration is at version "
                        + client.version
                        + ", not "
                        + expectedVersion
                        + "; read it again and reapply your change.");
              }
              JsonNode before = mapper.valueToTree(ClientView.of(client));
              edit.accept(client);
              client.updatedAt = clock.instant();
              client.updatedBy = actor;
              return record(client, before, action, actor);
            });
  }

  private ClientView record(EhrClient client, JsonNode before, String action, String actor) {
    try {
      em.flush();
    } catch (PersistenceException e) {
      // The unique (iss, tenant) constraint, when a concurrent registration won the race.
      if (e instanceof ConstraintViolationException
          || e.getCause() instanceof ConstraintViolationException) {
        throw new ConflictException(
            "duplicate-client", "A client with this iss and tenant is already registered.");
      }
      throw e;
    }
    ClientView view = ClientView.of(client);
    EhrClientChange change = new EhrClientChange();
    change.clientId = client.id;
    change.changedAt = client.updatedAt;
    change.actor = actor;
    change.action = action;
    change.before = before;
    change.after = mapper.valueToTree(view);
    em.persist(change);
    changed.fire(new ClientDirectory.Changed());
    return view;
  }

  private EhrClient load(UUID id) {
    EhrClient client = em.find(EhrClient.class, id);
    if (client == null) {
      throw new NotFoundException("unknown-client", "No registered client with this id.");
    }
    return client;
  }

  private void requireUnique(String iss, String tenant, UUID except) {
    List<EhrClient> same =
        em.createQuery("from EhrClient where iss = :iss and tenant = :tenant", EhrClient.class)
            .setParameter("iss", iss)
            .setParameter("tenant", tenant)
            .getResultList();
    if (same.stream().anyMatch(c -> !c.id.equals(except))) {
      throw new ConflictException(
          "duplicate-client",
          "A client with this iss"
              + (tenant.isEmpty() ? " (and no tenant)" : " and tenant")
              + " is already registered.");
    }
  }

  /** A checked, normalized registration. */
  private record Valid(
      String iss,
      String tenant,
      String name,
      JsonNode jwks,
      List<String> jwksUrls,
      List<String> services,
      List<String> fhirServers,
      boolean enabled) {

    void applyTo(EhrClient c) {
      c.iss = iss;
      c.tenant = tenant;
      c.name = name;
      c.jwks = jwks;
      c.jwksUrls = new ArrayList<>(jwksUrls);
      c.services = new ArrayList<>(services);
      c.fhirServers = new ArrayList<>(fhirServers);
      c.enabled = enabled;
    }
  }

  private Valid validate(ClientRegistration r) {
    if (r == null) {
      throw invalid("missing-body", "The body must be a client registration (JSON object).");
    }
    String iss = text(r.iss());
    if (iss == null) {
      throw invalid("missing-iss", "'iss' is required: the issuer the EHR puts in its JWTs.");
    }
    if (iss.length() > 2048 || iss.chars().anyMatch(Character::isWhitespace)) {
      throw invalid("invalid-iss", "'iss' must be at most 2048 characters without spaces.");
    }
    String tenant = Optional.ofNullable(text(r.tenant())).orElse("");
    String name = text(r.name());
    if (name == null || name.length() > 200) {
      throw invalid("invalid-name", "'name' is required (at most 200 characters).");
    }
    JsonNode keys = r.jwks() == null || r.jwks().isNull() ? null : r.jwks();
    if (keys != null) {
      checkKeys(parseJwks(keys), "'jwks'");
    }
    List<String> jwksUrls = new ArrayList<>();
    for (String raw : distinct(r.jwksUrls())) {
      String url = url(raw, "jwksUrls", "invalid-jwks-url", config.allowHttpJwksUrls());
      try {
        checkKeys(jwks.fetch(url, config.jwksFetchTimeout()), "the JWK Set at " + url);
      } catch (JwksCache.JwksException e) {
        throw invalid(
            "invalid-jwks-url", "The JWKS URL " + url + " could not be used: " + e.getMessage());
      }
      jwksUrls.add(url);
    }
    if (keys == null && jwksUrls.isEmpty()) {
      throw invalid(
          "missing-keys", "Register the client's public keys: 'jwks' (a JWK Set) or 'jwksUrls'.");
    }
    List<String> serviceIds = distinct(r.services());
    for (String id : serviceIds) {
      if (services.find(id).isEmpty()) {
        throw invalid(
            "unknown-service",
            "Unknown CDS service '"
                + id
                + "'; known services: "
                + String.join(", ", services.all().stream().map(s -> s.id()).toList())
                + ".");
      }
    }
    List<String> fhirServers = new ArrayList<>();
    for (String raw : distinct(r.fhirServers())) {
      String url = url(raw, "fhirServers", "invalid-fhir-server", true);
      fhirServers.add(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
    }
    return new Valid(
        iss,
        tenant,
        name,
        keys,
        jwksUrls,
        serviceIds,
        fhirServers,
        r.enabled() == null || r.enabled());
  }

  private JWKSet parseJwks(JsonNode node) {
    try {
      return JWKSet.parse(mapper.writeValueAsString(node));
    } catch (ParseException | JsonProcessingException e) {
      throw invalid("invalid-jwks", "'jwks' is not a JWK Set: " + e.getMessage());
    }
  }

  private static void checkKeys(JWKSet set, String what) {
    KeyRules.problem(set)
        .ifPresent(
            p -> {
              throw invalid("invalid-jwks", "Unusable keys: " + what + " " + p + ".");
            });
  }

  private static String url(String raw, String field, String code, boolean httpAllowed) {
    try {
      URI uri = new URI(raw);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase();
      boolean schemeOk = scheme.equals("https") || (httpAllowed && scheme.equals("http"));
      if (!uri.isAbsolute()
          || !schemeOk
          || uri.getHost() == null
          || uri.getUserInfo() != null
          || uri.getFragment() != null) {
        throw invalid(
            code,
            "'"
                + field
                + "' entries must be absolute "
                + (httpAllowed ? "http(s)" : "https")
                + " URLs without credentials or fragment: "
                + raw);
      }
      return raw;
    } catch (URISyntaxException e) {
      throw invalid(code, "'" + field + "' has a malformed URL: " + raw);
    }
  }

  private static List<String> distinct(List<String> values) {
    if (values == null) {
      return List.of();
    }
    LinkedHashSet<String> out = new LinkedHashSet<>();
    for (String v : values) {
      String t = text(v);
      if (t != null) {
        out.add(t);
      }
    }
    return List.copyOf(out);
  }

  private static String text(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }

  private static InvalidRequestException invalid(String code, String message) {
    return new InvalidRequestException(code, message);
  }
}
