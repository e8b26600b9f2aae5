package dev.clarion.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import dev.clarion.error.ForbiddenException;
import dev.clarion.error.UnauthenticatedException;
import dev.clarion.fhir.FhirConfig;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.Provider;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * Verifies the JWT a CDS client sends with every call (CDS Hooks 2.0 §Trusting CDS Clients):
 *
 * <ol>
 *   <li>signed with ES384 or RS384 (ES256/RS256 also accepted); {@code none}, symmetric and
 *       encrypted tokens refused;
 *   <li>{@code iss} (and {@code tenant}, when the registration names one) registered and enabled;
 *   <li>signature by a key registered for that client — out of band, or from one of its registered
 *       JWKS URLs; a {@code jku} header is honoured only if it is one of those URLs, and never
 *       fetched otherwise: a token naming another {@code jku} is accepted only when a registered
 *       (or already cached) key with its {@code kid} verifies it, and the security log says the
 *       {@code jku} was ignored;
 *   <li>{@code aud} is the URL actually invoked; {@code exp}, {@code iat}, {@code nbf} within the
 *       configured skew; lifetime bounded;
 *   <li>{@code jti} not seen before (replay cache in PostgreSQL, shared by replicas) — checked
 *       last, so invalid tokens cannot burn ids.
 * </ol>
 *
 * On the embedded run (unsigned loopback calls accepted), a signed loopback call from an issuer
 * that is not registered is trusted exactly like an unsigned one, so signing tools such as the CDS
 * Hooks Sandbox work out of the box; a registered issuer's token must verify in every mode.
 *
 * <p>Any failure is a bare 401 (the reason goes to the security log, never the token). {@link
 * #authorize} then gives 403 to a valid client calling a service it is not registered for.
 * Thread-safe.
 */
@ApplicationScoped
public class CdsClientVerifier {

  static final Set<JWSAlgorithm> ALLOWED =
      Set.of(JWSAlgorithm.ES384, JWSAlgorithm.RS384, JWSAlgorithm.ES256, JWSAlgorithm.RS256);
  private static final Map<JWSAlgorithm, Curve> CURVES =
      Map.of(JWSAlgorithm.ES384, Curve.P_384, JWSAlgorithm.ES256, Curve.P_256);
  private static final int MAX_TOKEN_CHARS = 16 * 1024;
  private static final Provider BOUNCY_CASTLE = new BouncyCastleProvider();

  private final ClientDirectory directory;
  private final JwksCache jwks;
  private final ReplayCache replay;
  private final SecurityEvents events;
  private final SecurityConfig config;
  private final List<String> loopbackFhirServers;
  private final Clock clock;

  CdsClientVerifier(
      ClientDirectory directory,
      JwksCache jwks,
      ReplayCache replay,
      SecurityEvents events,
      SecurityConfig config,
      FhirConfig fhir,
      Clock clock) {
    this.directory = directory;
    this.jwks = jwks;
    this.replay = replay;
    this.events = events;
    this.config = config;
    this.loopbackFhirServers =
        fhir.allowedServers().orElse(List.of()).stream()
            .map(s -> s.endsWith("/") ? s.substring(0, s.length() - 1) : s)
            .toList();
    this.clock = clock;
  }

  /**
   * Authenticates one CDS Hooks call.
   *
   * @param http the incoming request (Authorization header, remote address)
   * @param audiences the absolute URLs {@code aud} may name for this call (the configured public
   *     base URLs plus the path); empty: no signed call can be accepted
   * @param serviceId the service called (for the security log), or null for discovery
   * @throws UnauthenticatedException (401) if the caller cannot be trusted
   */
  public CdsCaller authenticate(HttpServerRequest http, List<String> audiences, String serviceId) {
    return authenticate(http, audiences, serviceId, false);
  }

  /**
   * Authenticates a CDS service call whose decision will be recorded: as {@link #authenticate}, but
   * without touching the database — signature and claims only. The token's first use is not
   * committed here: the caller carries it ({@link CdsCaller#token()}), {@link #refuseReplayed}
   * refuses a {@code jti} already committed (before any FHIR fetch or scoring), and the decision
   * writer inserts it in the decision's own transaction — one commit per batch — refusing the call
   * if another call committed it first ({@link #replayedAtCommit}).
   */
  public CdsCaller authenticateCall(
      HttpServerRequest http, List<String> audiences, String serviceId) {
    return authenticate(http, audiences, serviceId, true);
  }

  private CdsCaller authenticate(
      HttpServerRequest http, List<String> audiences, String serviceId, boolean deferred) {
    Attempt attempt = new Attempt();
    try {
      CdsCaller caller = verify(http, audiences, attempt);
      if (attempt.jti != null) {
        if (deferred) {
          caller =
              new CdsCaller(
                  caller.clientId(),
                  caller.iss(),
                  caller.tenant(),
                  caller.services(),
                  caller.fhirServers(),
                  new CdsCaller.TokenId(attempt.claimedIss, attempt.jti, attempt.keepUntil));
        } else if (!consume(attempt)) {
          throw reject("replayed-jti");
        }
      }
      if (attempt.jkuIgnored != null) {
        events.jkuIgnored(caller.iss(), attempt.jkuIgnored);
      }
      return caller;
    } catch (UnauthenticatedException e) {
      events.refused("unauthenticated", e.code(), attempt.claimedIss, serviceId, remote(http));
      throw e;
    }
  }

  /**
   * Refuses a service call whose token is already committed (the look-up {@link #authenticateCall}
   * leaves out so that a call turned away by admission control costs no database work).
   *
   * @throws UnauthenticatedException (401, {@code replayed-jti}) if the token was used before
   */
  public void refuseReplayed(CdsCaller caller, String serviceId, HttpServerRequest http) {
    CdsCaller.TokenId token = caller.token();
    if (token == null) {
      return;
    }
    UnauthenticatedException e;
    try {
      if (!replay.seen(token.iss(), token.jti())) {
        return;
      }
      e = reject("replayed-jti");
    } catch (IllegalStateException unavailable) {
      e = reject("replay-cache-unavailable");
    }
    events.refused("unauthenticated", e.code(), caller.iss(), serviceId, remote(http));
    throw e;
  }

  /**
   * The bare 401 for a call whose token another call committed first (found when its decision was
   * about to be committed; no decision is recorded), logged like every refusal.
   */
  public UnauthenticatedException replayedAtCommit(
      CdsCaller caller, String serviceId, HttpServerRequest http) {
    UnauthenticatedException e = reject("replayed-jti");
    events.refused("unauthenticated", e.code(), caller.iss(), serviceId, remote(http));
    return e;
  }

  /**
   * Checks that an authenticated caller may call a (known) service.
   *
   * @throws ForbiddenException (403) if the client is not registered for it
   */
  public void authorize(CdsCaller caller, String serviceId, HttpServerRequest http) {
    if (!caller.mayCall(serviceId)) {
      events.refused("forbidden", "service-not-allowed", caller.iss(), serviceId, remote(http));
      throw new ForbiddenException(
          "service-not-allowed", "This client is not registered for this CDS service.");
    }
  }

  /** Facts learnt while verifying, kept for the security log and the replay check. */
  private static final class Attempt {
    String claimedIss;
    String jkuIgnored;
    String jti;
    Instant keepUntil;
  }

  private CdsCaller verify(HttpServerRequest http, List<String> audiences, Attempt attempt) {
    String authorization = http.getHeader("Authorization");
    if (authorization == null || authorization.isBlank()) {
      if (config.unsignedLoopback() && Loopback.is(http)) {
        return CdsCaller.loopback(loopbackFhirServers);
      }
      throw reject("missing-token");
    }
    if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)
        || authorization.length() > MAX_TOKEN_CHARS) {
      throw reject("malformed-token");
    }
    SignedJWT jwt = signed(authorization.substring(7).trim());
    JWSHeader header = jwt.getHeader();
    if (!ALLOWED.contains(header.getAlgorithm())) {
      throw reject("alg-not-allowed");
    }
    if (header.getType() != null && !"JWT".equalsIgnoreCase(header.getType().getType())) {
      throw reject("wrong-typ");
    }
    JWTClaimsSet claims;
    String tenant;
    try {
      claims = jwt.getJWTClaimsSet();
      attempt.claimedIss = claims.getIssuer();
      tenant = claims.getStringClaim("tenant");
    } catch (ParseException e) {
      throw reject("malformed-token");
    }
    if (claims.getIssuer() == null) {
      throw reject("missing-iss");
    }
    Optional<TrustedClient> found = directory.find(claims.getIssuer(), tenant);
    if (found.isEmpty()) {
      if (directory.knowsIssuer(claims.getIssuer())) {
        throw reject("wrong-tenant");
      }
      if (config.unsignedLoopback() && Loopback.is(http)) {
        // Signing tools (the CDS Hooks Sandbox, Epic's test harness) sign every call; on the
        // embedded run their loopback calls are trusted exactly as unsigned ones are. A registered
        // issuer never takes this path: its tokens must verify.
        events.unregisteredLoopbackIssuer(claims.getIssuer());
        return CdsCaller.loopback(loopbackFhirServers);
      }
      throw reject("unknown-iss");
    }
    TrustedClient client = found.get();
    checkSignature(jwt, client, attempt);
    checkClaims(claims, audiences, attempt);
    return new CdsCaller(
        client.id(), client.iss(), tenant, client.services(), client.fhirServers(), null);
  }

  private static SignedJWT signed(String token) {
    JWT jwt;
    try {
      jwt = JWTParser.parse(token);
    } catch (ParseException e) {
      throw reject("malformed-token");
    }
    if (jwt instanceof SignedJWT s) {
      return s;
    }
    // A PlainJWT is alg "none"; an EncryptedJWT is not a CDS Hooks token either.
    throw reject("alg-not-allowed");
  }

  private void checkSignature(SignedJWT jwt, TrustedClient client, Attempt attempt) {
    JWSHeader header = jwt.getHeader();
    List<String> urls = client.jwksUrls();
    boolean staticKeys = true;
    if (header.getJWKURL() != null) {
      String jku = header.getJWKURL().toString();
      if (!urls.contains(jku)) {
        // Never fetched. Real clients (the Sandbox, Epic) put a jku in every token; a key the
        // integrator registered for this client — its JWK Set, or keys already cached from its
        // registered URLs — with the token's kid may still verify it. The jku is then ignored.
        if (verifiesWithKnownKey(jwt, client)) {
          attempt.jkuIgnored = jku;
          return;
        }
        throw reject("jku-not-allowed");
      }
      urls = List.of(jku);
      staticKeys = false;
    }
    List<JWK> candidates = candidates(header, client, urls, staticKeys, false);
    if (candidates.isEmpty() && !urls.isEmpty()) {
      candidates = candidates(header, client, urls, staticKeys, true); // key rotation
    }
    if (candidates.isEmpty()) {
      throw reject("unknown-kid");
    }
    for (JWK key : candidates) {
      try {
        if (jwt.verify(verifier(key))) {
          return;
        }
      } catch (JOSEException e) {
        // This key cannot verify this token (e.g. wrong size); try the next.
      }
    }
    throw reject("bad-signature");
  }

  /** Registered or already-cached keys with the token's kid; nothing is fetched. */
  private boolean verifiesWithKnownKey(SignedJWT jwt, TrustedClient client) {
    JWSHeader header = jwt.getHeader();
    if (header.getKeyID() == null) {
      return false; // without a kid the jku was the only pointer to the key
    }
    List<JWK> keys = new ArrayList<>();
    if (client.staticKeys() != null) {
      keys.addAll(client.staticKeys().getKeys());
    }
    for (String url : client.jwksUrls()) {
      jwks.cached(url).map(JWKSet::getKeys).ifPresent(keys::addAll);
    }
    for (JWK key : keys) {
      if (header.getKeyID().equals(key.getKeyID()) && fits(key, header.getAlgorithm())) {
        try {
          if (jwt.verify(verifier(key))) {
            return true;
          }
        } catch (JOSEException e) {
          // This key cannot verify this token; try the next.
        }
      }
    }
    return false;
  }

  private List<JWK> candidates(
      JWSHeader header,
      TrustedClient client,
      List<String> urls,
      boolean staticKeys,
      boolean refresh) {
    List<JWK> keys = new ArrayList<>();
    if (staticKeys && client.staticKeys() != null && !refresh) {
      keys.addAll(client.staticKeys().getKeys());
    }
    for (String url : urls) {
      jwks.keys(url, refresh).map(JWKSet::getKeys).ifPresent(keys::addAll);
    }
    String kid = header.getKeyID();
    JWSAlgorithm alg = header.getAlgorithm();
    return keys.stream()
        .filter(k -> kid == null || kid.equals(k.getKeyID()))
        .filter(k -> fits(k, alg))
        .toList();
  }

  private static boolean fits(JWK key, JWSAlgorithm alg) {
    if (key instanceof ECKey ec) {
      return ec.getCurve().equals(CURVES.get(alg));
    }
    return key instanceof RSAKey && JWSAlgorithm.Family.RSA.contains(alg);
  }

  private static JWSVerifier verifier(JWK key) throws JOSEException {
    if (key instanceof ECKey ec) {
      ECDSAVerifier verifier = new ECDSAVerifier(ec.toECPublicKey());
      // SunEC needs ~3 ms for a P-384 verification on this hardware, Bouncy Castle ~1 ms.
      verifier.getJCAContext().setProvider(BOUNCY_CASTLE);
      return verifier;
    }
    return new RSASSAVerifier(((RSAKey) key).toRSAPublicKey());
  }

  private void checkClaims(JWTClaimsSet claims, List<String> audiences, Attempt attempt) {
    Date exp = claims.getExpirationTime();
    Date iat = claims.getIssueTime();
    String jti = claims.getJWTID();
    if (claims.getAudience().isEmpty()) {
      throw reject("missing-aud");
    }
    if (exp == null) {
      throw reject("missing-exp");
    }
    if (iat == null) {
      throw reject("missing-iat");
    }
    if (jti == null || jti.isBlank()) {
      throw reject("missing-jti");
    }
    if (jti.length() > 256) {
      throw reject("malformed-token");
    }
    if (audiences.isEmpty()) {
      throw reject("no-public-base-url"); // a non-loopback call to an embedded run without one
    }
    List<String> expected = audiences.stream().map(CdsClientVerifier::trimSlash).toList();
    if (claims.getAudience().stream()
        .map(CdsClientVerifier::trimSlash)
        .noneMatch(expected::contains)) {
      throw reject("wrong-aud");
    }
    Instant now = clock.instant();
    Duration skew = config.clockSkew();
    if (exp.toInstant().plus(skew).isBefore(now)) {
      throw reject("expired");
    }
    if (claims.getNotBeforeTime() != null
        && claims.getNotBeforeTime().toInstant().minus(skew).isAfter(now)) {
      throw reject("not-yet-valid");
    }
    if (iat.toInstant().minus(skew).isAfter(now)) {
      throw reject("issued-in-future");
    }
    if (Duration.between(iat.toInstant(), exp.toInstant()).compareTo(config.maxTokenLifetime())
        > 0) {
      throw reject("lifetime-too-long");
    }
    attempt.jti = jti;
    attempt.keepUntil = exp.toInstant().plus(skew);
  }

  private boolean consume(Attempt attempt) {
    try {
      return replay.firstUse(attempt.claimedIss, attempt.jti, attempt.keepUntil);
    } catch (IllegalStateException e) {
      // Without the replay cache a replay cannot be ruled out: refuse.
      throw reject("replay-cache-unavailable");
    }
  }

  private static String remote(HttpServerRequest http) {
    return Optional.ofNullable(http.remoteAddress()).map(SocketAddress::hostAddress).orElse(null);
  }

  private static String trimSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  private static UnauthenticatedException reject(String reason) {
    return new UnauthenticatedException(reason, "The CDS client could not be authenticated.");
  }
}
