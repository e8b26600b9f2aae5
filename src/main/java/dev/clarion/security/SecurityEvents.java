package dev.clarion.security;

import dev.clarion.telemetry.Telemetry;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The security log: every refused CDS client call, with the reason and the issuer the token
 * claimed, to the application log and the {@code security_event} table. Never the token itself. A
 * failure to write the table is logged and does not change the answer (the call is refused anyway).
 * Thread-safe.
 */
@ApplicationScoped
public class SecurityEvents {

  private static final Logger LOG = Logger.getLogger(SecurityEvents.class);
  private static final int MAX = 300;
  private static final int MAX_NOTICES = 1000;

  private final Set<String> noticed = ConcurrentHashMap.newKeySet();

  private final AgroalDataSource db;
  private final Clock clock;
  private final Telemetry telemetry;

  SecurityEvents(AgroalDataSource db, Clock clock, Telemetry telemetry) {
    this.db = db;
    this.clock = clock;
    this.telemetry = telemetry;
  }

  /**
   * @param kind {@code unauthenticated} (401) or {@code forbidden} (403)
   * @param reason stable reason code, e.g. {@code expired}, {@code replayed-jti}
   * @param claimedIss the issuer the token claimed (unverified), or null
   * @param serviceId the service called, null for discovery
   */
  void refused(String kind, String reason, String claimedIss, String serviceId, String remote) {
    String iss = clip(claimedIss);
    LOG.warnf(
        "Refused CDS call (%s) to %s: %s; claimed iss %s, from %s",
        kind, serviceId == null ? "discovery" : serviceId, reason, iss, remote);
    telemetry.refused(kind, reason);
    store(kind, reason, claimedIss, serviceId, remote);
  }

  private void store(
      String kind, String reason, String claimedIss, String serviceId, String remote) {
    String iss = clip(claimedIss);
    try (Connection c = db.getConnection();
        PreparedStatement insert =
            c.prepareStatement(
                "insert into security_event"
                    + " (occurred_at, kind, reason, claimed_iss, service_id, remote_addr)"
                    + " values (?, ?, ?, ?, ?, ?)")) {
      insert.setTimestamp(1, Timestamp.from(clock.instant()));
      insert.setString(2, kind);
      insert.setString(3, reason);
      insert.setString(4, iss);
      insert.setString(5, clip(serviceId));
      insert.setString(6, remote);
      insert.executeUpdate();
    } catch (SQLException e) {
      LOG.errorf("Security event could not be stored: SQLState %s", e.getSQLState());
    }
  }

  /**
   * A registered client's token named a {@code jku} that is not one of its registered JWKS URLs; a
   * registered key with the token's {@code kid} verified it, so the URL was ignored (never
   * fetched). Logged and stored once per issuer and URL per process: real clients do this on every
   * call.
   */
  void jkuIgnored(String iss, String jku) {
    if (once(iss + " " + jku)) {
      LOG.infof(
          "CDS client %s names jku %s, which is not registered for it: ignored (not fetched);"
              + " the token verified with a registered key",
          clip(iss), clip(jku));
      store("notice", "jku-ignored", iss, null, null);
    }
  }

  /**
   * A signed loopback call of the embedded run from an issuer that is not registered: trusted as an
   * unsigned loopback call. Logged once per issuer per process.
   */
  void unregisteredLoopbackIssuer(String iss) {
    if (once("loopback " + iss)) {
      LOG.infof(
          "Signed loopback call from unregistered issuer %s: treated as an unsigned loopback call"
              + " (embedded run only; a production run refuses it)",
          clip(iss));
    }
  }

  private boolean once(String key) {
    return noticed.size() < MAX_NOTICES && noticed.add(key);
  }

  /** Claimed values are attacker-controlled: bounded, and no control characters in the log. */
  private static String clip(String s) {
    if (s == null) {
      return null;
    }
    String clean = s.replaceAll("\\p{Cntrl}", "?");
    return clean.length() <= MAX ? clean : clean.substring(0, MAX) + "…";
  }
}
