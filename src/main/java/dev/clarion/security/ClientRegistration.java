package dev.clarion.security;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * What an integrator registers for an EHR client (body of {@code POST /admin/clients} and {@code
 * PUT /admin/clients/{id}}).
 *
 * @param iss the client's {@code iss} claim
 * @param tenant the {@code tenant} claim the client sends, or null if it sends none
 * @param name a human-readable name
 * @param jwks a public JWK Set registered out of band (EC P-256/P-384 or RSA ≥ 2048 bits)
 * @param jwksUrls JWKS URLs the client publishes its keys at; also the only {@code jku} values
 *     accepted from it
 * @param services CDS service ids the client may call
 * @param fhirServers FHIR server base URLs the client may hand Clarion as {@code fhirServer}
 * @param enabled false to register a client that may not call yet; default true
 */
public record ClientRegistration(
    String iss,
    String tenant,
    String name,
    JsonNode jwks,
    List<String> jwksUrls,
    List<String> services,
    List<String> fhirServers,
    Boolean enabled) {}
