package dev.clarion.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.error.ConflictException;
import dev.clarion.runtime.RunMode;
import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Publishes the newest {@link Seal} outside the database — as a file in {@code
 * clarion.audit.checkpoint.directory} and/or POSTed to {@code clarion.audit.checkpoint.url} — at an
 * interval when the chain has grown, on demand ({@code POST /audit/chain/checkpoints}) and at
 * shutdown. A seal is published only if its signature verifies, so a forged one never becomes a
 * checkpoint. The newest checkpoint in the directory is what {@link ChainVerifier} checks the chain
 * against: records deleted since, or a history rewritten with the owner's rights, no longer match
 * it. Every replica publishes; they publish the same seals, under the same file names. Thread-safe.
 */
@ApplicationScoped
public class ChainCheckpoints {

  private static final Logger LOG = Logger.getLogger(ChainCheckpoints.class);
  private static final Pattern FILE = Pattern.compile("checkpoint-(\\d{20})\\.json");

  /** What a publication did. */
  public record Published(Seal seal, List<String> destinations, List<String> failures) {}

  /** A checkpoint read back, with the file it came from. */
  public record Read(Seal seal, String source) {}

  private final AgroalDataSource db;
  private final ObjectMapper mapper;
  private final ChainSigner signer;
  private final AuditConfig.Checkpoint config;
  private final boolean embedded;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private ScheduledExecutorService timer;
  private volatile long publishedSeq;

  ChainCheckpoints(
      AgroalDataSource db,
      ObjectMapper mapper,
      ChainSigner signer,
      AuditConfig config,
      @ConfigProperty(name = RunMode.EMBEDDED_RUN, defaultValue = "false") boolean embedded) {
    this.db = db;
    this.mapper = mapper;
    this.signer = signer;
    this.config = config.checkpoint();
    this.embedded = embedded;
  }

  void onStart(@Observes StartupEvent event) {
    if (!publishes()) {
      if (RunMode.production(embedded)) {
        LOG.warn(
            "No clarion.audit.checkpoint.directory or .url: checkpoints of the decision chain are"
                + " kept only in the database, so deleting its newest records with the owner's"
                + " rights would not be detected. Publish them where the database role cannot"
                + " write.");
      }
      return;
    }
    long every = config.interval().toMillis();
    if (every > 0) {
      timer =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "chain-checkpoints");
                t.setDaemon(true);
                return t;
              });
      timer.scheduleWithFixedDelay(this::publishIfGrown, every, every, TimeUnit.MILLISECONDS);
    }
  }

  void onStop(@Observes ShutdownEvent event) {
    if (timer != null) {
      timer.shutdownNow();
    }
    if (publishes()) {
      publishIfGrown();
    }
  }

  /** Whether checkpoints go anywhere outside the database. */
  public boolean publishes() {
    return config.directory().isPresent() || config.url().isPresent();
  }

  private void publishIfGrown() {
    try {
      Optional<Seal> newest = newestSeal();
      if (newest.isPresent() && newest.get().lastSeq() > publishedSeq) {
        publish(newest.get());
      }
    } catch (RuntimeException e) {
      LOG.warnf("Chain checkpoint not published: %s", e.getClass().getSimpleName());
    }
  }

  /** Publishes the newest seal now; empty when nothing has been sealed yet. */
  public Optional<Published> publishNow() {
    return newestSeal().map(this::publish);
  }

  private Published publish(Seal seal) {
    if (!signer.verify(seal.keyId(), seal.payload(), seal.signature())) {
      throw new ConflictException(
          "seal-invalid",
          "The newest seal (records "
              + seal.firstSeq()
              + "–"
              + seal.lastSeq()
              + ") does not verify with Clarion's signing key: it is not published. See"
              + " /audit/chain.");
    }
    List<String> done = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    byte[] json;
    try {
      json = mapper.writeValueAsBytes(seal);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (config.directory().isPresent()) {
      Path dir = config.directory().get();
      Path file = dir.resolve(String.format("checkpoint-%020d.json", seal.lastSeq()));
      try {
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".checkpoint-", ".tmp");
        Files.write(tmp, json);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        done.add(file.toString());
      } catch (IOException e) {
        failed.add(dir + ": " + e.getClass().getSimpleName());
      }
    }
    if (config.url().isPresent()) {
      try {
        HttpResponse<Void> response =
            http.send(
                HttpRequest.newBuilder(config.url().get())
                    .timeout(Duration.ofSeconds(5))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(json))
                    .build(),
                HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() / 100 == 2) {
          done.add(config.url().get().toString());
        } else {
          failed.add(config.url().get() + ": HTTP " + response.statusCode());
        }
      } catch (IOException e) {
        failed.add(config.url().get() + ": " + e.getClass().getSimpleName());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failed.add(config.url().get() + ": interrupted");
      }
    }
    if (failed.isEmpty()) {
      publishedSeq = Math.max(publishedSeq, seal.lastSeq());
    } else {
      LOG.warnf("Chain checkpoint %d not published to %s", seal.lastSeq(), failed);
    }
    return new Published(seal, done, failed);
  }

  /** The newest seal in the database. */
  public Optional<Seal> newestSeal() {
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "select first_seq, last_seq, prev_hash, hash, sealed_at, key_id, signature"
                    + " from decision_seal order by last_seq desc limit 1");
        ResultSet rs = ps.executeQuery()) {
      return rs.next() ? Optional.of(seal(rs)) : Optional.empty();
    } catch (SQLException e) {
      throw new IllegalStateException("seals not readable: SQLState " + e.getSQLState(), e);
    }
  }

  /**
   * The newest checkpoint in the directory (by seq in the file name), empty if none or no directory
   * is configured. A file that cannot be read is reported by throwing: a checkpoint that is there
   * but unreadable must not be silently passed over.
   */
  public Optional<Read> newestPublished() {
    if (config.directory().isEmpty() || !Files.isDirectory(config.directory().get())) {
      return Optional.empty();
    }
    Optional<Path> newest;
    try (Stream<Path> files = Files.list(config.directory().get())) {
      newest =
          files
              .filter(f -> FILE.matcher(f.getFileName().toString()).matches())
              .max((a, b) -> a.getFileName().compareTo(b.getFileName()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (newest.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new Read(mapper.readValue(newest.get().toFile(), Seal.class), newest.get().toString()));
    } catch (IOException e) {
      throw new IllegalStateException("checkpoint " + newest.get() + " is not readable", e);
    }
  }

  /** The seals covering these records (each record's batch), in seq order. */
  public List<Seal> covering(List<Long> seqs) {
    if (seqs.isEmpty()) {
      return List.of();
    }
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "select distinct s.* from unnest(?::bigint[]) q(seq) cross join lateral (select *"
                    + " from decision_seal where last_seq >= q.seq order by last_seq limit 1) s"
                    + " where s.first_seq <= q.seq order by s.last_seq")) {
      ps.setArray(1, c.createArrayOf("bigint", seqs.toArray()));
      List<Seal> seals = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          seals.add(seal(rs));
        }
      }
      return seals;
    } catch (SQLException e) {
      throw new IllegalStateException("seals not readable: SQLState " + e.getSQLState(), e);
    }
  }

  static Seal seal(ResultSet rs) throws SQLException {
    return new Seal(
        rs.getLong("first_seq"),
        rs.getLong("last_seq"),
        rs.getString("prev_hash"),
        rs.getString("hash"),
        rs.getTimestamp("sealed_at").toInstant(),
        rs.getString("key_id"),
        rs.getString("signature"));
  }
}
