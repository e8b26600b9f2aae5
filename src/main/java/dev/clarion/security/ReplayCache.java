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
 * another replica is refused as well. Discovery and feedback record a token's first use here at
 * once ({@link #firstUse}); a CDS service call's is only looked up here ({@link #seen}) and
 * committed with its decision, in the decision writer's transaction. An id is kept until its token
 * has expired (plus skew); expired ids are purged at most once a minute by whichever replica gets
 * there first. Thread-safe.
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
      try (PreparedStatement insert = c.prepareStatement(INSERT)) {
        insert.setString(1, iss);
        insert.setString(2, jti);
        insert.setTimestamp(3, Timestamp.from(keepUntil));
        return insert.executeUpdate() == 1;
      }
    } catch (SQLException e) {
      throw new IllegalStateException("replay cache unavailable: " + e.getSQLState(), e);
    }
  }

  /**
   * Whether {@code jti} for {@code iss} has been committed already (a replay); the first use of a
   * CDS service call's token is committed with its decision, by the decision writer.
   *
   * @throws IllegalStateException if the database cannot be reached (the caller must refuse)
   */
  public boolean seen(String iss, String jti) {
    try (Connection c = db.getConnection()) {
      purgeNowAndThen(c);
      try (PreparedStatement select =
          c.prepareStatement("select 1 from jwt_replay where iss = ? and jti = ?")) {
        select.setString(1, iss);
        select.setString(2, jti);
        try (java.sql.ResultSet rs = select.executeQuery()) {
          return rs.next();
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("replay cache unavailable: " + e.getSQLState(), e);
    }
  }

  private static final String INSERT =
      "insert into jwt_replay (iss, jti, expires_at) values (?, ?, ?) on conflict do nothing";

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
