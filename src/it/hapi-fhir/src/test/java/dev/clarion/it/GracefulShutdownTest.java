package dev.clarion.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM under load, as Kubernetes sends it after {@code preStop}: readiness must turn DOWN at
 * once while liveness stays UP, the replica must keep answering through {@code
 * quarkus.shutdown.delay}, and every call it answered with 200 — before or after the signal — must
 * have its durable decision record once the process has exited (the decision writer drains its
 * queue last). The converse need not hold: a call in flight when the server closes its connections
 * may be recorded and its answer lost (CI, 2026-12-06: 459 records for 458 answers, one connection
 * broken at close) — as after any network failure the EHR shows no card; every record must still be
 * of a call the client made.
 *
 * <p>Figures go to {@code target/graceful-shutdown.txt}.
 */
class GracefulShutdownTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final int DELAY_SECONDS = 3;

  @Test
  void readinessGoesDownAtOnceCallsAreStillAnsweredAndEveryAnswerIsRecorded() throws Exception {
    String template = Files.readString(ClarionProcess.ROOT.resolve(CrashRecoveryTest.FIXTURE));
    try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
      List<String> properties =
          List.of(
              "quarkus.datasource.jdbc.url=" + postgres.getJdbcUrl("postgres", "postgres"),
              "quarkus.datasource.username=postgres",
              "quarkus.shutdown.delay=" + DELAY_SECONDS + "s");
      ClarionProcess clarion = ClarionProcess.start("clarion-graceful", properties);
      try (Connection c = postgres.getPostgresDatabase().getConnection()) {
        ClientKeys.register(c);
      }
      String url = clarion.url("/cds-services/ascvd-risk");

      Map<String, String> answered = new ConcurrentHashMap<>(); // hookInstance → card uuid
      AtomicLong signalledAt = new AtomicLong(Long.MAX_VALUE);
      AtomicInteger answeredAfterSignal = new AtomicInteger();
      AtomicInteger otherStatus = new AtomicInteger();
      AtomicInteger refusedAfterDelay = new AtomicInteger();
      AtomicInteger refusedConnections = new AtomicInteger();
      // Calls whose connection broke before an answer arrived: one may still have been recorded
      // (its answer lost as the server closed), never answered without a record.
      Set<String> broken = ConcurrentHashMap.newKeySet();
      AtomicBoolean running = new AtomicBoolean(true);
      Thread[] load = new Thread[4];
      for (int w = 0; w < load.length; w++) {
        load[w] =
            new Thread(
                () -> {
                  while (running.get()) {
                    String hookInstance = UUID.randomUUID().toString();
                    try {
                      HttpResponse<String> response =
                          ClarionProcess.HTTP.send(
                              HttpRequest.newBuilder(URI.create(url))
                                  .timeout(Duration.ofSeconds(30))
                                  .header("Content-Type", "application/json")
                                  .header("Authorization", "Bearer " + ClientKeys.token(url))
                                  .POST(
                                      HttpRequest.BodyPublishers.ofString(
                                          template.replace(
                                              CrashRecoveryTest.FIXTURE_HOOK_INSTANCE,
                                              hookInstance)))
                                  .build(),
                              HttpResponse.BodyHandlers.ofString());
                      long at = System.nanoTime();
                      if (response.statusCode() == 200) {
                        JsonNode body = JSON.readTree(response.body());
                        if (body.at("/cards/0/detail").asText().contains("**Statin:**")) {
                          otherStatus.incrementAndGet(); // an unreviewed rule on the card
                        }
                        answered.put(hookInstance, body.at("/cards/0/uuid").asText());
                        if (at > signalledAt.get()) {
                          answeredAfterSignal.incrementAndGet();
                        }
                      } else if (response.statusCode() == 503
                          && at > signalledAt.get() + DELAY_SECONDS * 1_000_000_000L) {
                        // After the delay Quarkus refuses new requests on open connections.
                        refusedAfterDelay.incrementAndGet();
                      } else {
                        otherStatus.incrementAndGet();
                      }
                    } catch (IOException e) {
                      broken.add(hookInstance);
                      refusedConnections.incrementAndGet(); // after the delay: no longer accepting
                      sleep(50);
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                },
                "graceful-load-" + w);
        load[w].start();
      }

      // The first calls of a fresh JVM are slow (class loading, ONNX sessions, JIT): wait for
      // the first answers before the three seconds of steady load start.
      long warm = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (answered.isEmpty() && System.nanoTime() < warm) {
        sleep(50);
      }
      sleep(3000);
      int answeredBeforeSignal = answered.size();
      signalledAt.set(System.nanoTime());
      clarion.process.destroy(); // SIGTERM, as the kubelet sends it

      double readinessDown = -1;
      boolean livenessUpWhileReadinessDown = false;
      long deadline = signalledAt.get() + Duration.ofSeconds(DELAY_SECONDS).toNanos();
      while (System.nanoTime() < deadline) {
        int ready = status(clarion.url("/q/health/ready"));
        if (ready == 503) {
          if (readinessDown < 0) {
            readinessDown = (System.nanoTime() - signalledAt.get()) / 1e9;
          }
          if (status(clarion.url("/q/health/live")) == 200) {
            livenessUpWhileReadinessDown = true;
            break;
          }
        }
        sleep(50);
      }
      assertTrue(clarion.process.waitFor(60, TimeUnit.SECONDS), "Clarion exits after SIGTERM");
      double exited = (System.nanoTime() - signalledAt.get()) / 1e9;
      running.set(false);
      for (Thread t : load) {
        t.join(35_000);
      }

      int missing = 0;
      int wrongCard = 0;
      int lostAnswers = 0;
      int unexplained = 0;
      long records;
      try (Connection c = postgres.getPostgresDatabase().getConnection();
          PreparedStatement find =
              c.prepareStatement(
                  "select outcome, card_uuids::text from decision where hook_instance = ?")) {
        for (Map.Entry<String, String> a : answered.entrySet()) {
          find.setString(1, a.getKey());
          try (ResultSet rs = find.executeQuery()) {
            if (!rs.next()) {
              missing++;
            } else if (!"SCORED".equals(rs.getString(1))
                || !rs.getString(2).contains(a.getValue())) {
              wrongCard++;
            }
          }
        }
        records = single(c, "select count(*) from decision");
        try (PreparedStatement all = c.prepareStatement("select hook_instance from decision");
            ResultSet rs = all.executeQuery()) {
          while (rs.next()) {
            String h = rs.getString(1);
            if (!answered.containsKey(h) && !broken.contains(h)) {
              unexplained++;
            } else if (!answered.containsKey(h)) {
              lostAnswers++;
            }
          }
        }
        // A production run: the shipped recommendation rules have no clinical review yet, so a
        // rule that fires is recorded as withheld and left off the card; none is recorded as
        // applying.
        assertEquals(
            records,
            single(c, "select count(*) from decision where recommendations is not null"),
            "every decision records its recommendation topics");
        assertEquals(
            0,
            single(
                c,
                "select count(*) from decision, jsonb_array_elements(recommendations) r"
                    + " where r->>'status' = 'applies'"),
            "no unreviewed rule applies in a production run");
        assertTrue(
            single(
                    c,
                    "select count(*) from decision, jsonb_array_elements(recommendations) r"
                        + " where r->>'status' = 'withheld'")
                > 0,
            "the fixture patient's rules are recorded as withheld");
        assertEquals(
            0,
            single(
                c,
                "select count(*) from decision d join decision p on p.seq = d.seq - 1"
                    + " where d.prev_hash <> p.hash"),
            "every record links to the one before it");
      }

      String report =
          String.format(
              Locale.ROOT,
              "Graceful shutdown (4 signed load threads, SIGTERM after 3 s, shutdown delay %d s)%n"
                  + "  readiness DOWN after SIGTERM:  %.2f s (liveness still UP: %s)%n"
                  + "  answered 200:                  %d (%d before SIGTERM, %d after)%n"
                  + "  other statuses:                %d%n"
                  + "  503 after the delay:           %d%n"
                  + "  connections refused:           %d (after the delay)%n"
                  + "  process exited after SIGTERM:  %.1f s%n"
                  + "  decision records stored:       %d%n"
                  + "  answered but not recorded:     %d%n"
                  + "  recorded with another card:    %d%n"
                  + "  recorded, answer lost at close: %d (the connection broke before it arrived)%n",
              DELAY_SECONDS,
              readinessDown,
              livenessUpWhileReadinessDown,
              answered.size(),
              answeredBeforeSignal,
              answeredAfterSignal.get(),
              otherStatus.get(),
              refusedAfterDelay.get(),
              refusedConnections.get(),
              exited,
              records,
              missing,
              wrongCard,
              lostAnswers);
      System.out.println(report);
      Files.writeString(Path.of("target/graceful-shutdown.txt"), report);

      assertTrue(answeredBeforeSignal > 0, "load before SIGTERM");
      assertTrue(
          readinessDown >= 0 && readinessDown <= 2.0, "readiness DOWN within 2 s: " + report);
      assertTrue(livenessUpWhileReadinessDown, "liveness stays UP during the delay: " + report);
      assertTrue(answeredAfterSignal.get() > 0, "calls answered during the delay: " + report);
      assertEquals(
          0, otherStatus.get(), "no call refused or failed before the delay ended: " + report);
      assertEquals(0, missing, "answered decisions missing from the record: " + report);
      assertEquals(0, wrongCard, report);
      // Every record is of a call the client made: answered, or one whose connection broke as the
      // server closed after committing it (the EHR shows no card and may call again; the record
      // says what was decided). Never a record of nothing, never an answer without a record.
      assertEquals(0, unexplained, "records of calls the client did not make: " + report);
      assertEquals(answered.size() + lostAnswers, records, "one record per call: " + report);
      assertTrue(
          lostAnswers <= load.length,
          "at most the calls in flight at close lose their answer: " + report);
    }
  }

  private static int status(String url) {
    try {
      return ClarionProcess.HTTP
          .send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static long single(Connection c, String sql) throws Exception {
    try (PreparedStatement ps = c.prepareStatement(sql);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
