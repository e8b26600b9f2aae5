package dev.clarion.security;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
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

  private final AgroalDataSource db;
  private final Clock clock;

  SecurityEvents(AgroalDataSource db, Clock clock) {
    this.db = db;
    this.clock = clock;
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

  /** Claimed values are attacker-controlled: bounded, and no control characters in the log. */
  private static String clip(String s) {
    if (s == null) {
      return null;
    }
    String clean = s.replaceAll("\\p{Cntrl}", "?");
    return clean.length() <= MAX ? clean : clean.substring(0, MAX) + "…";
  }
}
