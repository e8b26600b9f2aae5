package dev.clarion.security;

import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Who is calling a CDS Hooks endpoint, once verified: a registered EHR client, or — only in the
 * embedded run — an unsigned caller on the loopback interface.
 *
 * @param clientId the registration id; null for the loopback caller
 * @param iss the verified issuer; null for the loopback caller
 * @param tenant the token's tenant claim, or null
 * @param services service ids the caller may call; null means all (loopback caller)
 * @param fhirServers FHIR server base URLs (without trailing slash) the caller may hand us
 * @param token the token's id, when its first use is still to be committed with the call's decision
 *     ({@link CdsClientVerifier#authenticateCall}); null otherwise
 */
public record CdsCaller(
    UUID clientId,
    String iss,
    String tenant,
    Set<String> services,
    List<String> fhirServers,
    TokenId token) {

  /**
   * A token id whose first use is committed in the same transaction as the call's decision, so that
   * an accepted call costs one commit: {@code (iss, jti)} into {@code jwt_replay}, kept until
   * {@code keepUntil}.
   */
  public record TokenId(String iss, String jti, java.time.Instant keepUntil) {}

  static CdsCaller loopback(List<String> fhirServers) {
    return new CdsCaller(null, null, null, null, List.copyOf(fhirServers), null);
  }

  public boolean mayCall(String serviceId) {
    return services == null || services.contains(serviceId);
  }

  /**
   * Whether Clarion may query this FHIR server (base URL without trailing slash) for the caller.
   */
  public boolean mayQuery(String fhirServer) {
    return fhirServers.contains(fhirServer);
  }
}
