package dev.clarion.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Clarion runs as a non-owner database role with exactly the GRANT list of the README (read from
 * the README itself, so the two cannot drift): migrations run once as the owner, then the packaged
 * server, connected as that role with migrations off, scores (decision chained), takes feedback,
 * records its model activation and purges nothing it may not — and still cannot update, delete or
 * truncate decisions.
 */
class ApplicationRoleTest {

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
      // 1. The owner migrates (as a migration job would), then stops.
      try (ClarionProcess owner =
          ClarionProcess.start(
              "clarion-owner",
              List.of(
                  "quarkus.datasource.jdbc.url=" + jdbc, "quarkus.datasource.username=postgres"))) {
        assertTrue(owner.output().contains("Loaded model"), "the owner run started");
      }
      try (Connection c = postgres.getPostgresDatabase().getConnection();
          Statement s = c.createStatement()) {
        s.execute("create role clarion_app login password 'app-secret'");
        for (String grant : grants) {
          s.execute(grant);
        }
        ClientKeys.register(c);
      }
      long activationsBefore = count(postgres, "select count(*) from model_activation");
      // 2. Clarion as the application role, migrations off. (The owner's URL names its user:
      // this one must not.)
      try (ClarionProcess app =
          ClarionProcess.start(
              "clarion-app-role",
              List.of(
                  "quarkus.datasource.jdbc.url=jdbc:postgresql://localhost:"
                      + postgres.getPort()
                      + "/postgres",
                  "quarkus.datasource.username=clarion_app",
                  "quarkus.datasource.password=app-secret",
                  "quarkus.flyway.migrate-at-start=false"))) {
        String url = app.url("/cds-services/ascvd-risk");
        String hookInstance = UUID.randomUUID().toString();
        String body =
            Files.readString(ClarionProcess.ROOT.resolve(REQUEST))
                .replace("d1577c69-dfbe-44ad-ba6d-3e05e953b2ea", hookInstance);
        HttpResponse<String> hook = post(url, body);
        assertEquals(200, hook.statusCode(), hook.body());
        String card =
            new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(hook.body())
                .at("/cards/0/uuid")
                .asText();

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
            activationsBefore + 1,
            count(postgres, "select count(*) from model_activation"),
            "the application role records its model activation");
        assertFalse(app.output().contains("could not be recorded"), "nothing of the trail is lost");
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
}
