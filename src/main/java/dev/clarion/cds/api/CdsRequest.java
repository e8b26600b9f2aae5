package dev.clarion.cds.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * A CDS Hooks 2.0 service call. Unknown fields and extensions are ignored (CDS Hooks 2.0
 * §Extensions). {@code fhirAuthorization} is kept as raw JSON and never logged or stored: the
 * access token is a transient value (§Passing the Access Token to the CDS Service).
 *
 * @param prefetch key → value exactly as sent: an absent key, a JSON {@code null} and a resource
 *     mean different things (§Prefetch), so the raw JSON is kept
 */
public record CdsRequest(
    String hook,
    String hookInstance,
    String fhirServer,
    JsonNode fhirAuthorization,
    JsonNode context,
    Map<String, JsonNode> prefetch) {

  /** A root-level string field of {@code context}, or null. */
  public String contextString(String field) {
    if (context == null || !context.isObject()) {
      return null;
    }
    JsonNode value = context.get(field);
    return value != null && value.isTextual() && !value.asText().isBlank() ? value.asText() : null;
  }
}
