package dev.clarion.audit;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;

/**
 * Walks the decision chain from the first record to the head and recomputes every hash: reports how
 * many records verify and the first broken link — a record whose content was altered, a
 * previous-hash that does not match, seq numbers missing (records deleted), or a head that does not
 * match the last record (records deleted at the end). Reads with a cursor; thread-safe.
 */
@ApplicationScoped
public class ChainVerifier {

  /** The outcome of one verification. */
  public record Report(
      boolean intact, long verified, long headSeq, long unchained, Broken firstBroken) {}

  /** Where the chain breaks, and why. */
  public record Broken(long seq, UUID id, String reason) {}

  private static final String SELECT =
      "select seq, prev_hash, hash, id, recorded_at, client_id, client_iss, client_tenant,"
          + " service_id, hook, hook_instance, patient_ref, user_ref, outcome, reason_code,"
          + " reasons::text, http_status, model_id, model_version, model_sha256, inputs::text,"
          + " output::text, attributions::text, card_uuids::text, suggestion_uuids::text,"
          + " latency_micros from decision where seq is not null order by seq";

  private final AgroalDataSource db;

  ChainVerifier(AgroalDataSource db) {
    this.db = db;
  }

  public Report verify() {
    try (Connection c = db.getConnection()) {
      c.setAutoCommit(false); // a cursor, not the whole table in memory
      try {
        return walk(c);
      } finally {
        c.rollback();
        c.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("chain not readable: SQLState " + e.getSQLState(), e);
    }
  }

  private Report walk(Connection c) throws SQLException {
    long headSeq;
    String headHash;
    try (PreparedStatement ps = c.prepareStatement("select seq, hash from decision_chain");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      headSeq = rs.getLong(1);
      headHash = rs.getString(2);
    }
    long unchained;
    try (PreparedStatement ps =
            c.prepareStatement("select count(*) from decision where seq is null");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      unchained = rs.getLong(1);
    }
    long expected = 1;
    String previous = RecordHasher.GENESIS;
    try (PreparedStatement ps = c.prepareStatement(SELECT)) {
      ps.setFetchSize(500);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          RecordHasher.Row row = row(rs);
          String stored = rs.getString("hash");
          Broken broken = null;
          if (row.seq() != expected) {
            broken =
                new Broken(
                    expected,
                    null,
                    (row.seq() - 1 > expected
                            ? "records " + expected + "–" + (row.seq() - 1) + " are"
                            : "record " + expected + " is")
                        + " missing (deleted); the chain goes on at record "
                        + row.seq());
          } else if (!previous.equals(row.prevHash())) {
            broken =
                new Broken(
                    row.seq(),
                    row.id(),
                    "its previous-hash is not the hash of record " + (expected - 1));
          } else if (!RecordHasher.hash(row).equals(stored)) {
            broken =
                new Broken(
                    row.seq(),
                    row.id(),
                    "its content is not what was hashed when it was written (altered)");
          }
          if (broken != null) {
            return new Report(false, expected - 1, headSeq, unchained, broken);
          }
          previous = stored;
          expected++;
        }
      }
    }
    long last = expected - 1;
    if (headSeq != last || !headHash.equals(previous)) {
      return new Report(
          false,
          last,
          headSeq,
          unchained,
          new Broken(
              last + 1,
              null,
              "the chain head is at record "
                  + headSeq
                  + " but the last record found is "
                  + last
                  + " (records deleted at the end)"));
    }
    if (unchained > 0) {
      // A row outside the chain was never hashed: nothing vouches for it. Since V6 the database
      // refuses such rows, so one is either from before the chain or forged around the constraint.
      UUID first;
      try (PreparedStatement ps =
              c.prepareStatement(
                  "select id from decision where seq is null order by recorded_at, id limit 1");
          ResultSet rs = ps.executeQuery()) {
        rs.next();
        first = rs.getObject(1, UUID.class);
      }
      return new Report(
          false,
          last,
          headSeq,
          unchained,
          new Broken(
              0,
              first,
              unchained
                  + (unchained == 1 ? " record is" : " records are")
                  + " not in the chain (no position or hash): nothing vouches for "
                  + (unchained == 1 ? "it" : "them")));
    }
    return new Report(true, last, headSeq, unchained, null);
  }

  private static RecordHasher.Row row(ResultSet rs) throws SQLException {
    return new RecordHasher.Row(
        rs.getLong("seq"),
        rs.getString("prev_hash"),
        rs.getObject("id", UUID.class),
        rs.getTimestamp("recorded_at").toInstant(),
        rs.getObject("client_id", UUID.class),
        rs.getString("client_iss"),
        rs.getString("client_tenant"),
        rs.getString("service_id"),
        rs.getString("hook"),
        rs.getString("hook_instance"),
        rs.getString("patient_ref"),
        rs.getString("user_ref"),
        rs.getString("outcome"),
        rs.getString("reason_code"),
        rs.getString("reasons"),
        rs.getInt("http_status"),
        rs.getString("model_id"),
        rs.getString("model_version"),
        rs.getString("model_sha256"),
        rs.getString("inputs"),
        rs.getString("output"),
        rs.getString("attributions"),
        rs.getString("card_uuids"),
        rs.getString("suggestion_uuids"),
        rs.getLong("latency_micros"));
  }
}
