package dev.clarion.security;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

/**
 * JWT ids already accepted, in PostgreSQL so that every replica sees them: a token replayed to
 * another replica is refused as well. An id is kept until its token has expired (plus skew);
 * expired ids are purged at most once a minute by whichever replica gets there first. Thread-safe.
 */
@ApplicationScoped
public class ReplayCache {

  private static final Duration PURGE_EVERY = Duration.ofMinutes(1);

  private final AgroalDataSource db;
  private final Clock clock;
  private final AtomicReference<Instant> lastPurge = new AtomicReference<>(Instant.EPOCH);

  ReplayCache(AgroalDataSource db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  /**
   * Records {@code jti} for {@code iss} until {@code keepUntil}.
   *
   * @return true the first time, false if the id was seen before (a replay)
   * @throws IllegalStateException if the database cannot be reached (the caller must refuse)
   */
  public boolean firstUse(String iss, String jti, Instant keepUntil) {
    try (Connection c = db.getConnection()) {
      purgeNowAndThen(c);
      try (PreparedStatement insert =
          c.prepareStatement(
              "insert into jwt_replay (iss, jti, expires_at) values (?, ?, ?)"
                  + " on conflict do nothing")) {
        insert.setString(1, iss);
        insert.setString(2, jti);
        insert.setTimestamp(3, Timestamp.from(keepUntil));
        return insert.executeUpdate() == 1;
      }
    } catch (SQLException e) {
      throw new IllegalStateException("replay cache unavailable: " + e.getSQLState(), e);
    }
  }

  private void purgeNowAndThen(Connection c) throws SQLException {
    Instant now = clock.instant();
    Instant last = lastPurge.get();
    if (last.plus(PURGE_EVERY).isAfter(now) || !lastPurge.compareAndSet(last, now)) {
      return;
    }
    try (PreparedStatement purge =
        c.prepareStatement("delete from jwt_replay where expires_at < ?")) {
      purge.setTimestamp(1, Timestamp.from(now));
      purge.executeUpdate();
    }
  }
}
