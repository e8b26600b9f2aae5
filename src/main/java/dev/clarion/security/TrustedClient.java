package dev.clarion.security;

import com.nimbusds.jose.jwk.JWKSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * An enabled client registration as the verifier uses it: immutable, keys already parsed.
 *
 * @param tenant the registered tenant, empty when none is registered
 * @param staticKeys keys registered out of band, or null
 * @param jwksUrls registered JWKS URLs (the only {@code jku} values accepted)
 */
record TrustedClient(
    UUID id,
    String iss,
    String tenant,
    JWKSet staticKeys,
    List<String> jwksUrls,
    Set<String> services,
    List<String> fhirServers) {}
