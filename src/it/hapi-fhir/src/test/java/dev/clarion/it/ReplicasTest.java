package dev.clarion.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.jwk.ECKey;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Three packaged Clarion replicas on one PostgreSQL share one truth: under signed load from two
 * registered EHRs spread round-robin over them, with one replica killed ({@code kill -9}) mid-load
 * and restarted, every answered call has its decision; the hash chain is one unbroken sequence
 * across replicas and {@code /audit/chain} says intact; a JWT accepted by one replica is refused by
 * the others; a client disabled through one replica is refused by all within the registration
 * refresh; a model version put in the shared folder reaches every replica and each decision names
 * the version it used. Prints the figures (calls, decisions, downtime) the README reports.
 */
class ReplicasTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final String PUBLIC = "https://cds.replicas.test";
  static final String SERVICE = PUBLIC + "/cds-services/ascvd-risk";
  static final String SECOND_ISS = "https://ehr2.it.clarion.dev";
  static final ECKey SECOND_KEY = ClientKeys.generate("it-es384-second");

  record Answer(int status, String hookInstance) {}

  @Test
  void replicasShareOneChainOneReplayCacheAndOneRegistry() throws Exception {
    Path models = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "replica-models");
    BackupRestoreTest.copy(ClarionProcess.ROOT.resolve("models"), models);
    try (EmbeddedPostgres db = EmbeddedPostgres.builder().start();
        KeycloakProcess keycloak = KeycloakProcess.start()) {
      String url = "jdbc:postgresql://localhost:" + db.getPort() + "/postgres";
      ClarionProcess.CommandResult migrate =
          ClarionProcess.command(
              "migrate",
              List.of(
                  "quarkus.datasource.jdbc.url=" + url, "quarkus.datasource.username=postgres"));
      assertEquals(0, migrate.exit(), migrate.output());
      try (Connection c = db.getPostgresDatabase().getConnection()) {
        ClientKeys.register(c);
        ClientKeys.register(c, SECOND_ISS, SECOND_KEY);
      }
      List<String> props =
          List.of(
              "quarkus.datasource.jdbc.url=" + url,
              "quarkus.datasource.username=postgres",
              "quarkus.flyway.migrate-at-start=false",
              "quarkus.oidc.auth-server-url=" + keycloak.realmUrl,
              "clarion.cds.public-base-url=" + PUBLIC,
              "clarion.deployment.max-replicas=3",
              "clarion.explanations.link-secret=" + "l".repeat(40),
              "clarion.staff.session-secret=" + "s".repeat(40),
              // One signing key for all replicas, as the Secret gives them.
              "clarion.audit.signing-key=" + ClarionProcess.signingKey("replicas"),
              "clarion.models.dir=" + models,
              "clarion.models.watch-interval=1s",
              "clarion.security.registration-refresh=2s");
      List<ClarionProcess> replicas = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          replicas.add(ClarionProcess.launch("replica-" + i, props));
        }
        for (ClarionProcess r : replicas) {
          r.awaitReady();
        }
        String auditor = keycloak.token("aldo", "aldo-password");
        String integrator = keycloak.token("ivy", "ivy-password");

        // 1. Signed load from two EHRs, round-robin over the replicas; replica 1 killed and
        // restarted.
        Map<String, Integer> answered = new ConcurrentHashMap<>();
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger unanswered = new AtomicInteger();
        AtomicLong counter = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        String template =
            Files.readString(ClarionProcess.ROOT.resolve(ApplicationRoleTest.REQUEST));
        ExecutorService load = Executors.newFixedThreadPool(6);
        List<Future<?>> workers = new ArrayList<>();
        List<ClarionProcess> live = java.util.Collections.synchronizedList(replicas);
        for (int w = 0; w < 6; w++) {
          workers.add(
              load.submit(
                  () -> {
                    while (running.get()) {
                      long n = counter.getAndIncrement();
                      ClarionProcess target = live.get((int) (n % 3));
                      String hookInstance = UUID.randomUUID().toString();
                      String token =
                          n % 2 == 0
                              ? ClientKeys.token(SERVICE)
                              : ClientKeys.token(SERVICE, SECOND_ISS, SECOND_KEY);
                      try {
                        HttpResponse<String> r =
                            hook(
                                target,
                                template.replace(
                                    "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea", hookInstance),
                                token);
                        if (r.statusCode() == 200) {
                          // 0, 1, 2; 3 for replica 1 after its restart
                          answered.put(
                              hookInstance,
                              target.log.getName().contains("restarted") ? 3 : (int) (n % 3));
                        } else {
                          refused.incrementAndGet();
                        }
                      } catch (Exception e) {
                        unanswered.incrementAndGet(); // the killed replica's connections
                      }
                    }
                    return null;
                  }));
        }
        Thread.sleep(4000);
        ClarionProcess victim = replicas.get(1);
        long killed = System.nanoTime();
        victim.process.destroyForcibly(); // SIGKILL: no shutdown hook, no drain
        victim.process.waitFor(10, TimeUnit.SECONDS);
        ClarionProcess restarted = ClarionProcess.launch("replica-1-restarted", props, victim.port);
        restarted.awaitReady();
        long downtimeMs = (System.nanoTime() - killed) / 1_000_000;
        live.set(1, restarted);
        Thread.sleep(8000);
        running.set(false);
        for (Future<?> f : workers) {
          f.get(60, TimeUnit.SECONDS);
        }
        load.shutdown();

        // Every answered call has its decision, from whichever replica answered it.
        Set<String> recorded = ConcurrentHashMap.newKeySet();
        try (Connection c = db.getPostgresDatabase().getConnection();
            Statement s = c.createStatement();
            ResultSet rs =
                s.executeQuery("select hook_instance from decision where seq is not null")) {
          while (rs.next()) {
            recorded.add(rs.getString(1));
          }
        }
        List<String> lost = answered.keySet().stream().filter(h -> !recorded.contains(h)).toList();
        assertEquals(List.of(), lost, "answered calls without a decision");
        assertEquals(0, refused.get(), "no answered call was refused");
        assertTrue(answered.size() > 50, "load ran: " + answered.size());
        assertTrue(answered.containsValue(3), "the restarted replica answered calls too");
        // One unbroken sequence across the replicas: no fork (duplicate seq), no gap.
        long[] seq =
            longs(
                db,
                "select count(*), count(distinct seq), min(seq), max(seq) from decision where seq is not null");
        assertEquals(seq[0], seq[1], "no two decisions share a chain position");
        assertEquals(seq[0], seq[3] - seq[2] + 1, "no gap in the chain");
        JsonNode chain = BackupRestoreTest.chain(replicas.get(0), auditor);
        assertTrue(chain.path("intact").asBoolean(), chain.toString());
        assertEquals(seq[0], chain.path("verified").asLong(), chain.toString());

        // 2. A JWT accepted by one replica is refused by the others.
        String once = ClientKeys.token(SERVICE);
        String body =
            template.replace("d1577c69-dfbe-44ad-ba6d-3e05e953b2ea", UUID.randomUUID().toString());
        assertEquals(200, hook(live.get(0), body, once).statusCode());
        assertEquals(
            401, hook(live.get(1), body, once).statusCode(), "replayed on another replica");
        assertEquals(401, hook(live.get(2), body, once).statusCode(), "replayed on a third");

        // 3. A client disabled through one replica is refused by all within the refresh interval.
        String second = single(db, "select id from ehr_client where iss = '" + SECOND_ISS + "'");
        HttpResponse<String> disabled =
            ApplicationRoleTest.staff(
                live.get(2).url("/admin/clients/" + second + "/disable"),
                integrator,
                "POST",
                "",
                null);
        assertEquals(200, disabled.statusCode(), disabled.body());
        Thread.sleep(Duration.ofSeconds(3).toMillis()); // registration-refresh 2 s
        for (ClarionProcess r : live) {
          assertEquals(
              401,
              hook(r, body, ClientKeys.token(SERVICE, SECOND_ISS, SECOND_KEY)).statusCode(),
              "disabled client on " + r.port);
        }

        // 4. A model version put in the shared folder reaches every replica.
        Path model = models.resolve("ascvd-pce/model.json");
        Files.writeString(
            model,
            Files.readString(model).replace("\"version\": \"1.0.0\"", "\"version\": \"1.0.1\""));
        Thread.sleep(Duration.ofSeconds(4).toMillis()); // watch-interval 1 s
        for (ClarionProcess r : live) {
          String hookInstance = UUID.randomUUID().toString();
          HttpResponse<String> scored =
              hook(
                  r,
                  template.replace("d1577c69-dfbe-44ad-ba6d-3e05e953b2ea", hookInstance),
                  ClientKeys.token(SERVICE));
          assertEquals(200, scored.statusCode(), scored.body());
          assertEquals(
              "1.0.1",
              single(
                  db,
                  "select model_version from decision where hook_instance = '"
                      + hookInstance
                      + "'"),
              "the decision names the version it used, on " + r.port);
        }
        JsonNode after = BackupRestoreTest.chain(live.get(1), auditor);
        assertTrue(after.path("intact").asBoolean(), after.toString());
        System.out.printf(
            "ReplicasTest: %d calls answered (replica 0/1/2/1 restarted: %d/%d/%d/%d), %d refused"
                + " connections while replica 1 was down, %d decisions in one chain, replica 1 back"
                + " after %d ms (kill -9 → ready)%n",
            answered.size(),
            answered.values().stream().filter(v -> v == 0).count(),
            answered.values().stream().filter(v -> v == 1).count(),
            answered.values().stream().filter(v -> v == 2).count(),
            answered.values().stream().filter(v -> v == 3).count(),
            unanswered.get(),
            seq[0],
            downtimeMs);
      } finally {
        for (ClarionProcess r : replicas) {
          r.close();
        }
      }
    }
  }

  static HttpResponse<String> hook(ClarionProcess replica, String body, String token)
      throws Exception {
    return ClarionProcess.HTTP.send(
        HttpRequest.newBuilder(URI.create(replica.url("/cds-services/ascvd-risk")))
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer " + token)
            .timeout(Duration.ofSeconds(20))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static long[] longs(EmbeddedPostgres db, String sql) throws Exception {
    try (Connection c = db.getPostgresDatabase().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      long[] out = new long[rs.getMetaData().getColumnCount()];
      for (int i = 0; i < out.length; i++) {
        out[i] = rs.getLong(i + 1);
      }
      return out;
    }
  }

  static String single(EmbeddedPostgres db, String sql) throws Exception {
    try (Connection c = db.getPostgresDatabase().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
