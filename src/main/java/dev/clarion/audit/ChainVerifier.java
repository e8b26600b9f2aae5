package dev.clarion.audit;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * Walks the decision chain from the first record to the head and recomputes every hash: reports how
 * many records verify and the first broken link — a record whose content was altered, a
 * previous-hash that does not match, seq numbers missing (records deleted), a head that does not
 * match the last record (records deleted at the end), a record outside the chain, a record that no
 * valid {@link Seal} covers (appended around Clarion's writer, e.g. with its database credentials
 * and a recomputed hash), a seal whose signature does not verify, or a chain that no longer matches
 * the newest published checkpoint (records deleted or history rewritten since). Reads records and
 * seals with cursors, side by side; thread-safe.
 */
@ApplicationScoped
public class ChainVerifier {

  /**
   * The outcome of one verification: {@code sealed} records are covered by a verified seal; {@code
   * unsealedBeforeSealing} records predate the first seal (written before sealing began).
   */
  public record Report(
      boolean intact,
      long verified,
      long headSeq,
      long unchained,
      long sealed,
      long unsealedBeforeSealing,
      Checkpoint checkpoint,
      Broken firstBroken) {}

  /**
   * The newest checkpoint published outside the database and what was found against it: {@code
   * appendedSince} records are newer (vouched for by their seals, not yet by a checkpoint). Null
   * {@code seq}: none published ({@code note} says why).
   */
  public record Checkpoint(
      Long seq, Instant sealedAt, String keyId, String source, Long appendedSince, String note) {}

  /** Where the chain breaks, and why. */
  public record Broken(long seq, UUID id, String reason) {}

  private static final String SELECT =
      "select seq, prev_hash, hash, id, recorded_at, client_id, client_iss, client_tenant,"
          + " service_id, hook, hook_instance, patient_ref, user_ref, outcome, reason_code,"
          + " reasons::text, http_status, model_id, model_version, model_sha256, inputs::text,"
          + " output::text, attributions::text, card_uuids::text, suggestion_uuids::text,"
          + " latency_micros, shadow::text, recommendations::text, imaging::text from decision where seq"
          + " is not null order by seq";

  private static final String SEALS =
      "select first_seq, last_seq, prev_hash, hash, sealed_at, key_id, signature"
          + " from decision_seal order by last_seq";

  private final AgroalDataSource db;
  private final ChainSigner signer;
  private final ChainCheckpoints checkpoints;

  ChainVerifier(AgroalDataSource db, ChainSigner signer, ChainCheckpoints checkpoints) {
    this.db = db;
    this.signer = signer;
    this.checkpoints = checkpoints;
  }

  public Report verify() {
    Optional<ChainCheckpoints.Read> published = checkpoints.newestPublished();
    try (Connection c = db.getConnection()) {
      c.setAutoCommit(false); // cursors, not the whole table in memory
      try {
        return new Walk(published).run(c);
      } finally {
        c.rollback();
        c.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("chain not readable: SQLState " + e.getSQLState(), e);
    }
  }

  /** One verification's state. */
  private final class Walk {

    private final ChainCheckpoints.Read published;
    private long headSeq;
    private long unchained;
    private long sealed;
    private long beforeSealing;
    private boolean sealingBegun;
    private boolean checkpointMatched;

    Walk(Optional<ChainCheckpoints.Read> published) {
      this.published = published.orElse(null);
    }

    Report run(Connection c) throws SQLException {
      String headHash;
      try (PreparedStatement ps = c.prepareStatement("select seq, hash from decision_chain");
          ResultSet rs = ps.executeQuery()) {
        rs.next();
        headSeq = rs.getLong(1);
        headHash = rs.getString(2);
      }
      try (PreparedStatement ps =
              c.prepareStatement("select count(*) from decision where seq is null");
          ResultSet rs = ps.executeQuery()) {
        rs.next();
        unchained = rs.getLong(1);
      }
      if (published != null
          && !signer.verify(
              published.seal().keyId(), published.seal().payload(), published.seal().signature())) {
        return report(
            0,
            new Broken(
                published.seal().lastSeq(),
                null,
                "the checkpoint "
                    + published.source()
                    + " does not verify with Clarion's signing key (key "
                    + published.seal().keyId()
                    + ")"));
      }
      long expected = 1;
      String previous = RecordHasher.GENESIS;
      try (PreparedStatement records = c.prepareStatement(SELECT);
          PreparedStatement sealRows = c.prepareStatement(SEALS)) {
        records.setFetchSize(500);
        sealRows.setFetchSize(500);
        try (ResultSet rs = records.executeQuery();
            ResultSet seals = sealRows.executeQuery()) {
          Seal seal = null;
          boolean moreSeals = true;
          while (rs.next()) {
            RecordHasher.Row row = row(rs);
            String stored = rs.getString("hash");
            Broken broken = linkBroken(row, stored, expected, previous);
            if (broken == null) {
              while (moreSeals && (seal == null || seal.lastSeq() < row.seq())) {
                moreSeals = seals.next();
                seal = moreSeals ? ChainCheckpoints.seal(seals) : null;
                if (seal != null
                    && !signer.verify(seal.keyId(), seal.payload(), seal.signature())) {
                  broken =
                      new Broken(
                          seal.firstSeq(),
                          null,
                          "the seal of records "
                              + range(seal)
                              + " does not verify with Clarion's signing key"
                              + (signer.knows(seal.keyId())
                                  ? " (forged seal)"
                                  : " (key " + seal.keyId() + " is not a known key)"));
                  break;
                }
              }
            }
            if (broken == null) {
              broken = sealBroken(row, stored, seal);
            }
            if (broken == null && published != null && row.seq() == published.seal().lastSeq()) {
              if (!stored.equals(published.seal().hash())) {
                broken =
                    new Broken(
                        row.seq(),
                        row.id(),
                        "its hash is not the one the checkpoint of "
                            + published.seal().sealedAt()
                            + " signed ("
                            + published.source()
                            + "): the chain was rewritten since");
              }
              checkpointMatched = true;
            }
            if (broken != null) {
              return report(expected - 1, broken);
            }
            previous = stored;
            expected++;
          }
        }
      }
      long last = expected - 1;
      if (headSeq != last || !headHash.equals(previous)) {
        return report(
            last,
            new Broken(
                last + 1,
                null,
                "the chain head is at record "
                    + headSeq
                    + " but the last record found is "
                    + last
                    + " (records deleted at the end)"));
      }
      if (published != null && !checkpointMatched) {
        return report(
            last,
            new Broken(
                last + 1,
                null,
                "the checkpoint of "
                    + published.seal().sealedAt()
                    + " ("
                    + published.source()
                    + ") vouches for "
                    + published.seal().lastSeq()
                    + " records, the chain has "
                    + last
                    + ": records deleted since"));
      }
      if (unchained > 0) {
        // A row outside the chain was never hashed: nothing vouches for it. Since V6 the database
        // refuses such rows, so one is either from before the chain or forged around the
        // constraint.
        UUID first;
        try (PreparedStatement ps =
                c.prepareStatement(
                    "select id from decision where seq is null order by recorded_at, id limit 1");
            ResultSet rs = ps.executeQuery()) {
          rs.next();
          first = rs.getObject(1, UUID.class);
        }
        return report(
            last,
            new Broken(
                0,
                first,
                unchained
                    + (unchained == 1 ? " record is" : " records are")
                    + " not in the chain (no position or hash): nothing vouches for "
                    + (unchained == 1 ? "it" : "them")));
      }
      return report(last, null);
    }

    private Broken linkBroken(RecordHasher.Row row, String stored, long expected, String previous) {
      if (row.seq() != expected) {
        return new Broken(
            expected,
            null,
            (row.seq() - 1 > expected
                    ? "records " + expected + "–" + (row.seq() - 1) + " are"
                    : "record " + expected + " is")
                + " missing (deleted); the chain goes on at record "
                + row.seq());
      }
      if (!previous.equals(row.prevHash())) {
        return new Broken(
            row.seq(), row.id(), "its previous-hash is not the hash of record " + (expected - 1));
      }
      if (!RecordHasher.hash(row).equals(stored)) {
        return new Broken(
            row.seq(),
            row.id(),
            "its content is not what was hashed when it was written (altered)");
      }
      return null;
    }

    /** The row is linked correctly; is it inside a verified seal's range, and do the ends match? */
    private Broken sealBroken(RecordHasher.Row row, String stored, Seal seal) {
      if (seal == null || seal.firstSeq() > row.seq()) {
        if (!sealingBegun) {
          beforeSealing++;
          return null;
        }
        return new Broken(
            row.seq(),
            row.id(),
            "no seal of Clarion's decision writer covers it: appended around the writer (e.g."
                + " with the application's database credentials and a recomputed hash)");
      }
      sealingBegun = true;
      if (row.seq() == seal.firstSeq() && !seal.prevHash().equals(row.prevHash())) {
        return new Broken(
            row.seq(),
            row.id(),
            "the seal of records " + range(seal) + " was made for a different previous record");
      }
      if (row.seq() == seal.lastSeq() && !seal.hash().equals(stored)) {
        return new Broken(
            row.seq(),
            row.id(),
            "the seal of records " + range(seal) + " was made for a different last record");
      }
      sealed++;
      return null;
    }

    private Report report(long verified, Broken broken) {
      Checkpoint checkpoint =
          published == null
              ? new Checkpoint(
                  null,
                  null,
                  null,
                  null,
                  null,
                  checkpoints.publishes()
                      ? "none published yet"
                      : "no checkpoint directory configured (clarion.audit.checkpoint.directory):"
                          + " records deleted at the end with the owner's rights would go"
                          + " unnoticed")
              : new Checkpoint(
                  published.seal().lastSeq(),
                  published.seal().sealedAt(),
                  published.seal().keyId(),
                  published.source(),
                  Math.max(0, headSeq - published.seal().lastSeq()),
                  null);
      return new Report(
          broken == null, verified, headSeq, unchained, sealed, beforeSealing, checkpoint, broken);
    }
  }

  private static String range(Seal seal) {
    return seal.firstSeq() == seal.lastSeq()
        ? String.valueOf(seal.firstSeq())
        : seal.firstSeq() + "–" + seal.lastSeq();
  }

  static RecordHasher.Row row(ResultSet rs) throws SQLException {
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
        rs.getLong("latency_micros"),
        rs.getString("shadow"),
        rs.getString("recommendations"),
        rs.getString("imaging"));
  }
}
