package dev.clarion.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.telemetry.Telemetry;
import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Appends decision records to the hash chain, committing many in one transaction under load (group
 * commit): request threads hand their record over and wait; one writer thread per replica takes
 * everything queued (up to {@value #MAX_BATCH}), locks the chain head (so replicas append one after
 * the other), gives each record its seq, previous hash and hash, inserts them, moves the head and
 * commits — then releases the waiting requests. A request is answered only after its record is
 * committed. If a batch fails, its records are retried one by one so that one bad record does not
 * take others with it; a record that still fails fails its request (503). Thread-safe.
 */
@ApplicationScoped
public class DecisionWriter {

  private static final Logger LOG = Logger.getLogger(DecisionWriter.class);
  static final int MAX_BATCH = 64;

  private record Pending(DecisionRecord record, CompletableFuture<Void> done) {}

  private static final String INSERT =
      "insert into decision (seq, prev_hash, hash, id, recorded_at, client_id, client_iss,"
          + " client_tenant, service_id, hook, hook_instance, patient_ref, user_ref, outcome,"
          + " reason_code, reasons, http_status, model_id, model_version, model_sha256, inputs,"
          + " output, attributions, card_uuids, suggestion_uuids, latency_micros, shadow,"
          + " recommendations, imaging) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
          + " ?::jsonb, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?::jsonb, ?::jsonb, ?, ?::jsonb,"
          + " ?::jsonb, ?::jsonb)";

  /**
   * A call's token first use, in the batch's transaction (the table is the replay cache of
   * dev.clarion.security.ReplayCache, which looks ids up and purges expired ones).
   */
  private static final String TOKEN_FIRST_USE =
      "insert into jwt_replay (iss, jti, expires_at)"
          + " select * from unnest(?::text[], ?::text[], ?::timestamptz[])"
          + " on conflict do nothing returning iss, jti";

  private static final String SEAL =
      "insert into decision_seal (last_seq, first_seq, prev_hash, hash, sealed_at, key_id,"
          + " signature) values (?, ?, ?, ?, ?, ?, ?)";

  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final AgroalDataSource db;
  private final ObjectMapper mapper;
  private final ChainSigner signer;
  private final Telemetry telemetry;
  private volatile Seal lastSeal;
  private Thread writer;
  private volatile boolean running = true;

  DecisionWriter(
      AgroalDataSource db, ObjectMapper mapper, ChainSigner signer, Telemetry telemetry) {
    this.db = db;
    this.mapper = mapper;
    this.signer = signer;
    this.telemetry = telemetry;
  }

  /** The seal of the newest batch this replica committed, or null before its first. */
  Seal lastSeal() {
    return lastSeal;
  }

  @PostConstruct
  void start() {
    writer = new Thread(this::run, "decision-writer");
    writer.setDaemon(true);
    writer.start();
  }

  /** Stops after writing what is queued: requests already waiting still get their answer. */
  void stop(@Observes ShutdownEvent event) throws InterruptedException {
    running = false;
    writer.interrupt();
    writer.join(TimeUnit.SECONDS.toMillis(10));
  }

  /**
   * Queues a record for the chain.
   *
   * @return completes when the record is committed; fails if it cannot be
   */
  public CompletableFuture<Void> append(DecisionRecord record) {
    // PostgreSQL keeps microseconds: hash what will be stored.
    record.recordedAt = record.recordedAt.truncatedTo(ChronoUnit.MICROS);
    Pending pending = new Pending(record, new CompletableFuture<>());
    if (!running) {
      pending.done().completeExceptionally(new IllegalStateException("shutting down"));
    } else {
      queue.add(pending);
    }
    return pending.done();
  }

  private void run() {
    List<Pending> batch = new ArrayList<>(MAX_BATCH);
    while (running || !queue.isEmpty()) {
      try {
        Pending first = running ? queue.take() : queue.poll();
        if (first == null) {
          break;
        }
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        write(batch);
      } catch (InterruptedException e) {
        // stop(): loop once more to drain the queue
      } catch (RuntimeException e) {
        LOG.errorf("Decision writer: %s", e.getClass().getName());
        batch.forEach(p -> p.done().completeExceptionally(e));
      } finally {
        batch.clear();
      }
    }
  }

  private void write(List<Pending> batch) {
    try {
      long start = System.nanoTime();
      Set<Pending> replayed = commit(batch);
      telemetry.batch(batch.size(), System.nanoTime() - start);
      settle(batch, replayed);
    } catch (SQLException e) {
      if (batch.size() == 1) {
        fail(batch.get(0), e);
        return;
      }
      for (Pending one : batch) {
        try {
          settle(List.of(one), commit(List.of(one)));
        } catch (SQLException single) {
          fail(one, single);
        }
      }
    }
  }

  /** After a commit: the replayed calls are refused, every other one is answered. */
  private static void settle(List<Pending> batch, Set<Pending> replayed) {
    for (Pending p : batch) {
      if (replayed.contains(p)) {
        p.record().seq = null;
        p.done().completeExceptionally(new DecisionRecorder.ReplayedToken());
      } else {
        p.done().complete(null);
      }
    }
  }

  /**
   * Records each call's token first use ({@code jwt_replay}) in the batch's transaction, in one
   * statement for the whole batch: the calls whose token another call committed first (on any
   * replica, or earlier in this batch) are left out of the chain.
   *
   * @return the replayed calls
   */
  private static Set<Pending> replayed(Connection c, List<Pending> batch) throws SQLException {
    List<Pending> withToken = batch.stream().filter(p -> p.record().token != null).toList();
    if (withToken.isEmpty()) {
      return Set.of();
    }
    int n = withToken.size();
    String[] iss = new String[n];
    String[] jti = new String[n];
    String[] keepUntil = new String[n];
    for (int i = 0; i < n; i++) {
      Decision.Token t = withToken.get(i).record().token;
      iss[i] = t.iss();
      jti[i] = t.jti();
      keepUntil[i] = t.keepUntil().toString();
    }
    // The rows this statement inserted: a token id committed before, or repeated within the batch
    // (the first occurrence is inserted, the others conflict with it), is not returned.
    Set<List<String>> firstUses = new HashSet<>();
    try (PreparedStatement insert = c.prepareStatement(TOKEN_FIRST_USE)) {
      insert.setArray(1, c.createArrayOf("text", iss));
      insert.setArray(2, c.createArrayOf("text", jti));
      insert.setArray(3, c.createArrayOf("text", keepUntil));
      try (ResultSet rs = insert.executeQuery()) {
        while (rs.next()) {
          firstUses.add(List.of(rs.getString(1), rs.getString(2)));
        }
      }
    }
    Set<Pending> replayed = new HashSet<>();
    for (Pending p : withToken) {
      Decision.Token t = p.record().token;
      // Each inserted token id answers one call: the first of the batch that carries it.
      if (!firstUses.remove(List.of(t.iss(), t.jti()))) {
        replayed.add(p);
      }
    }
    return replayed;
  }

  private void fail(Pending pending, SQLException e) {
    // SQLState only: messages can carry row content (patient references).
    LOG.errorf("Decision %s not recorded: SQLState %s", pending.record().id, e.getSQLState());
    pending.record().seq = null;
    pending.done().completeExceptionally(e);
  }

  /**
   * Writes the batch in one transaction.
   *
   * @return the calls refused as replays (not written)
   */
  private Set<Pending> commit(List<Pending> all) throws SQLException {
    try (Connection c = db.getConnection()) {
      c.setAutoCommit(false);
      try {
        long seq;
        String hash;
        String chainedFrom;
        try (PreparedStatement head =
                c.prepareStatement("select seq, hash from decision_chain where id = 1 for update");
            ResultSet rs = head.executeQuery()) {
          rs.next();
          seq = rs.getLong(1);
          hash = rs.getString(2);
        }
        chainedFrom = hash;
        Set<Pending> replayed = replayed(c, all);
        List<Pending> batch = all.stream().filter(p -> !replayed.contains(p)).toList();
        if (batch.isEmpty()) {
          c.commit();
          return replayed;
        }
        try (PreparedStatement insert = c.prepareStatement(INSERT)) {
          for (Pending p : batch) {
            RecordHasher.Row row = row(p.record(), ++seq, hash);
            hash = RecordHasher.hash(row);
            bind(insert, row, hash);
            insert.addBatch();
          }
          insert.executeBatch();
        }
        try (PreparedStatement move =
            c.prepareStatement("update decision_chain set seq = ?, hash = ? where id = 1")) {
          move.setLong(1, seq);
          move.setString(2, hash);
          move.executeUpdate();
        }
        long first = seq - batch.size() + 1;
        Seal seal = seal(c, first, seq, chainedFrom, hash);
        c.commit();
        lastSeal = seal;
        for (int i = 0; i < batch.size(); i++) {
          batch.get(i).record().seq = first + i;
        }
        return replayed;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    }
  }

  private Seal seal(Connection c, long first, long last, String prevHash, String hash)
      throws SQLException {
    Instant at = Instant.now().truncatedTo(ChronoUnit.MICROS);
    Seal seal =
        new Seal(
            first,
            last,
            prevHash,
            hash,
            at,
            signer.keyId(),
            signer.sign(Seal.payload(first, last, prevHash, hash, at)));
    try (PreparedStatement insert = c.prepareStatement(SEAL)) {
      insert.setLong(1, last);
      insert.setLong(2, first);
      insert.setString(3, prevHash);
      insert.setString(4, hash);
      insert.setTimestamp(5, Timestamp.from(at));
      insert.setString(6, seal.keyId());
      insert.setString(7, seal.signature());
      insert.executeUpdate();
    }
    return seal;
  }

  private RecordHasher.Row row(DecisionRecord r, long seq, String prevHash) {
    return new RecordHasher.Row(
        seq,
        prevHash,
        r.id,
        r.recordedAt,
        r.clientId,
        r.clientIss,
        r.clientTenant,
        r.serviceId,
        r.hook,
        r.hookInstance,
        r.patientRef,
        r.userRef,
        r.outcome.name(),
        r.reasonCode,
        text(r.reasons),
        r.httpStatus,
        r.modelId,
        r.modelVersion,
        r.modelSha256,
        text(r.inputs),
        text(r.output),
        text(r.attributions),
        text(r.cardUuids),
        text(r.suggestionUuids),
        r.latencyMicros,
        text(r.shadow),
        text(r.recommendations),
        text(r.imaging));
  }

  private static void bind(PreparedStatement s, RecordHasher.Row r, String hash)
      throws SQLException {
    int i = 0;
    s.setLong(++i, r.seq());
    s.setString(++i, r.prevHash());
    s.setString(++i, hash);
    s.setObject(++i, r.id());
    s.setTimestamp(++i, Timestamp.from(r.recordedAt()));
    s.setObject(++i, r.clientId(), Types.OTHER);
    s.setString(++i, r.clientIss());
    s.setString(++i, r.clientTenant());
    s.setString(++i, r.serviceId());
    s.setString(++i, r.hook());
    s.setString(++i, r.hookInstance());
    s.setString(++i, r.patientRef());
    s.setString(++i, r.userRef());
    s.setString(++i, r.outcome());
    s.setString(++i, r.reasonCode());
    s.setString(++i, r.reasons());
    s.setInt(++i, r.httpStatus());
    s.setString(++i, r.modelId());
    s.setString(++i, r.modelVersion());
    s.setString(++i, r.modelSha256());
    s.setString(++i, r.inputs());
    s.setString(++i, r.output());
    s.setString(++i, r.attributions());
    s.setString(++i, r.cardUuids());
    s.setString(++i, r.suggestionUuids());
    s.setLong(++i, r.latencyMicros());
    s.setString(++i, r.shadow());
    s.setString(++i, r.recommendations());
    s.setString(++i, r.imaging());
  }

  private String text(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    try {
      return mapper.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
