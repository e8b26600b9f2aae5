package dev.clarion.security;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A client registration as returned by the admin API. */
public record ClientView(
    UUID id,
    String iss,
    String tenant,
    String name,
    JsonNode jwks,
    List<String> jwksUrls,
    List<String> services,
    List<String> fhirServers,
    boolean enabled,
    long version,
    Instant createdAt,
    String createdBy,
    Instant updatedAt,
    String updatedBy) {

  static ClientView of(EhrClient c) {
    return new ClientView(
        c.id,
        c.iss,
        c.tenant.isEmpty() ? null : c.tenant,
        c.name,
        c.jwks,
        List.copyOf(c.jwksUrls),
        List.copyOf(c.services),
        List.copyOf(c.fhirServers),
        c.enabled,
        c.version,
        c.createdAt,
        c.createdBy,
        c.updatedAt,
        c.updatedBy);
  }

  /** One recorded change. */
  public record Change(
      Instant changedAt, String actor, String action, JsonNode before, JsonNode after) {
    static Change of(EhrClientChange c) {
      return new Change(c.changedAt, c.actor, c.action, c.before, c.after);
    }
  }
}
