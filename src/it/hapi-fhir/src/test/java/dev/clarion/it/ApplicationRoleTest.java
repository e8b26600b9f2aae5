package dev.clarion.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Clarion runs as a non-owner database role with exactly the GRANT list of the README (read from
 * the README itself, so the two cannot drift): the packaged {@code wait-for-schema} waits while the
 * schema is behind, the packaged {@code migrate} runs once as the owner and grants exactly those
 * (its grants file equals the README's list: DatabaseCommandsTest), then the packaged server,
 * connected as that role with migrations off and a real Keycloak for its staff, registers and
 * updates an EHR client through the admin API, reloads models, scores for that client (decision
 * chained and sealed), takes feedback, and serves every audit API (search, detail, replay,
 * monitoring, export, chain verification, a checkpoint) — and still cannot update, delete or
 * truncate decisions or feedback.
 */
class ApplicationRoleTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final String REQUEST = "src/test/resources/cds/patient_view_synthea_scored.json";

  /** The GRANT statements of the README's production block, for role {@code clarion_app}. */
  static List<String> readmeGrants() throws Exception {
    List<String> grants = new ArrayList<>();
    for (String line : Files.readAllLines(ClarionProcess.ROOT.resolve("README.md"))) {
      String t = line.strip();
      if (t.startsWith("GRANT ") && t.contains("TO clarion_app")) {
        grants.add(t.substring(0, t.indexOf(';')));
      }
    }
    return grants;
  }

  @Test
  void runsWithExactlyTheReadmeGrants() throws Exception {
    List<String> grants = readmeGrants();
    assertTrue(
        grants.stream().anyMatch(g -> g.contains(" ON decision")),
        "the README lists the grants: " + grants);
    try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
      String jdbc = postgres.getJdbcUrl("postgres", "postgres");
      String appUrl = "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres";
      List<String> asApp =
          List.of(
              "quarkus.datasource.jdbc.url=" + appUrl,
              "quarkus.datasource.username=clarion_app",
              "quarkus.datasource.password=app-secret");
      try (Connection c = postgres.getPostgresDatabase().getConnection();
          Statement s = c.createStatement()) {
        s.execute("create role clarion_app login password 'app-secret'");
      }
      // 1. The server's init container waits while the schema is behind, and says why.
      ClarionProcess.CommandResult waiting =
          ClarionProcess.command(
              "wait-for-schema", concat(asApp, List.of("clarion.db.wait-timeout=3s")));
      assertEquals(1, waiting.exit(), waiting.output());
      assertTrue(waiting.output().contains("migration(s) pending"), waiting.output());
      // 2. The owner migrates and grants, as the clarion-migrate Job does (the packaged jar).
      ClarionProcess.CommandResult migrate =
          ClarionProcess.command(
              "migrate",
              List.of(
                  "quarkus.datasource.jdbc.url=" + jdbc,
                  "quarkus.datasource.username=postgres",
                  "clarion.db.app-role=clarion_app"));
      assertEquals(0, migrate.exit(), migrate.output());
      assertTrue(
          migrate.output().contains(grants.size() + 2 + " grant(s) to clarion_app in place"),
          migrate.output());
      ClarionProcess.CommandResult ready = ClarionProcess.command("wait-for-schema", asApp);
      assertEquals(0, ready.exit(), ready.output());
      assertFalse(ready.output().contains("app-secret"), "no password in the output");
      long activationsBefore = count(postgres, "select count(*) from model_activation");
      // 3. Clarion as the application role, migrations off, staff signing in at a real Keycloak.
      // (The owner's URL names its user: this one must not.)
      try (KeycloakProcess keycloak = KeycloakProcess.start();
          ClarionProcess app =
              ClarionProcess.start(
                  "clarion-app-role",
                  List.of(
                      "quarkus.datasource.jdbc.url=jdbc:postgresql://localhost:"
                          + postgres.getPort()
                          + "/postgres",
                      "quarkus.datasource.username=clarion_app",
                      "quarkus.datasource.password=app-secret",
                      "quarkus.flyway.migrate-at-start=false",
                      "quarkus.oidc.auth-server-url=" + keycloak.realmUrl,
                      // Deployed as several replicas would be: the shared secrets are given.
                      "clarion.deployment.max-replicas=3",
                      "clarion.explanations.link-secret=" + "l".repeat(40),
                      "clarion.staff.session-secret=" + "s".repeat(40),
                      "clarion.audit.checkpoint.directory="
                          + Files.createTempDirectory(Path.of("target"), "app-role-checkpoints")
                              .toAbsolutePath()))) {
        String integrator = keycloak.token("ivy", "ivy-password");
        String auditor = keycloak.token("aldo", "aldo-password");
        // Registration through the admin API: create, update (optimistic lock), change log.
        HttpResponse<String> created =
            staff(
                app.url("/admin/clients"),
                integrator,
                "POST",
                ClientKeys.registration("IT EHR"),
                null);
        assertEquals(201, created.statusCode(), created.body());
        String client = JSON.readTree(created.body()).path("id").asText();
        HttpResponse<String> updated =
            staff(
                app.url("/admin/clients/" + client),
                integrator,
                "PUT",
                ClientKeys.registration("IT EHR (renamed)"),
                created.headers().firstValue("ETag").orElseThrow());
        assertEquals(200, updated.statusCode(), updated.body());
        HttpResponse<String> changes =
            staff(app.url("/admin/clients/" + client + "/changes"), integrator, "GET", null, null);
        assertEquals(200, changes.statusCode(), changes.body());
        assertEquals(2, JSON.readTree(changes.body()).size(), changes.body());
        // A model reload is recorded as an activation.
        HttpResponse<String> reload =
            staff(app.url("/admin/models/reload"), integrator, "POST", "", null);
        assertEquals(200, reload.statusCode(), reload.body());

        String url = app.url("/cds-services/ascvd-risk");
        String hookInstance = UUID.randomUUID().toString();
        String body =
            Files.readString(ClarionProcess.ROOT.resolve(REQUEST))
                .replace("d1577c69-dfbe-44ad-ba6d-3e05e953b2ea", hookInstance);
        HttpResponse<String> hook = post(url, body);
        assertEquals(200, hook.statusCode(), hook.body());
        String card = JSON.readTree(hook.body()).at("/cards/0/uuid").asText();

        String feedbackUrl = url + "/feedback";
        HttpResponse<String> feedback =
            post(
                feedbackUrl,
                "{\"feedback\": [{\"card\": \""
                    + card
                    + "\", \"outcome\": \"overridden\", \"outcomeTimestamp\":"
                    + " \"2026-12-02T10:00:00Z\"}]}");
        assertEquals(200, feedback.statusCode(), feedback.body());

        assertEquals(
            1,
            count(
                postgres,
                "select count(*) from decision where hook_instance = '"
                    + hookInstance
                    + "' and seq is not null and hash is not null"),
            "the decision is recorded and chained by the application role");
        assertEquals(
            1, count(postgres, "select count(*) from feedback where card_uuid = '" + card + "'"));
        assertEquals(
            activationsBefore + 2,
            count(postgres, "select count(*) from model_activation"),
            "the application role records its model activations (start-up and reload)");
        assertEquals(
            1, count(postgres, "select count(*) from model_activation where actor = 'ivy'"));
        assertEquals(
            2,
            count(postgres, "select count(*) from ehr_client_change"),
            "the registration's changes are recorded");

        // The audit APIs, as the auditor.
        HttpResponse<String> search =
            staff(app.url("/audit/decisions?service=ascvd-risk"), auditor, "GET", null, null);
        assertEquals(200, search.statusCode(), search.body());
        JsonNode found = JSON.readTree(search.body());
        assertEquals(1, found.path("total").asInt(), search.body());
        String decision = found.at("/items/0/id").asText();
        for (String path :
            List.of(
                "/audit/decisions/" + decision,
                "/audit/decisions/" + decision + "/replay",
                "/audit/monitoring",
                "/audit/export",
                "/audit/chain/key")) {
          HttpResponse<String> read = staff(app.url(path), auditor, "GET", null, null);
          assertEquals(200, read.statusCode(), path + ": " + read.body());
        }
        HttpResponse<String> replay =
            staff(app.url("/audit/decisions/" + decision + "/replay"), auditor, "GET", null, null);
        assertTrue(JSON.readTree(replay.body()).path("identical").asBoolean(), replay.body());
        HttpResponse<String> checkpoint =
            staff(app.url("/audit/chain/checkpoints"), auditor, "POST", "", null);
        assertEquals(200, checkpoint.statusCode(), checkpoint.body());
        HttpResponse<String> chain = staff(app.url("/audit/chain"), auditor, "GET", null, null);
        assertEquals(200, chain.statusCode(), chain.body());
        JsonNode report = JSON.readTree(chain.body());
        assertTrue(report.path("intact").asBoolean(), chain.body());
        assertEquals(0, report.path("checkpoint").path("appendedSince").asInt(-1), chain.body());
        assertFalse(app.output().contains("could not be recorded"), "nothing of the trail is lost");
        assertFalse(app.output().contains("Not set ("), "every shared secret is given");
        assertFalse(app.output().contains("auto-generating"), "no per-process session key");
      }
      // 3. The role cannot rewrite history.
      try (Connection c = postgres.getPostgresDatabase().getConnection()) {
        // Connected as the superuser; the role's privileges apply after SET ROLE.
        try (Statement s = c.createStatement()) {
          s.execute("set role clarion_app");
          for (String sql :
              List.of(
                  "update decision set outcome = 'FAILED'",
                  "delete from feedback",
                  "truncate decision cascade")) {
            try {
              s.execute(sql);
              throw new AssertionError("the application role could run: " + sql);
            } catch (java.sql.SQLException expected) {
              // permission denied (or the append-only trigger)
            }
          }
        }
      }
    }
  }

  /** A staff call with a Keycloak access token; {@code body} null for none. */
  static HttpResponse<String> staff(
      String url, String token, String method, String body, String ifMatch) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url))
            .header("Authorization", "Bearer " + token)
            .header("Accept", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (ifMatch != null) {
      request.header("If-Match", ifMatch);
    }
    return ClarionProcess.HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(String url, String body) throws Exception {
    return ClarionProcess.HTTP.send(
        HttpRequest.newBuilder(URI.create(url))
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer " + ClientKeys.token(url))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static long count(EmbeddedPostgres postgres, String sql) throws Exception {
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
