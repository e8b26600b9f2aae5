package dev.clarion.audit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clarion.card.ExplanationLinks;
import dev.clarion.support.Fixtures;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.security.TestSecurity;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Old records keep working: {@code src/test/resources/records/} holds decision rows, their seals
 * and the chain head exactly as the code of 2026-12-02 (commit of issue 13) stored them — a scored
 * ASCVD decision, a refusal (clinical ASCVD), a failed call (no patient), a scored order-sign
 * decision with its treatment scenario, an order-sign call with no matching order, and a NEWS2
 * point score. Loaded into a fresh database, every record must still be read (API, auditor page,
 * explanation page, export), replay identically where it scored or was refused, and verify in the
 * chain with the seals of the key that signed them.
 */
@QuarkusTest
@TestProfile(RecordFixturesTest.Profile.class)
class RecordFixturesTest {

  static final Path DIR = Path.of("src/test/resources/records");

  /** A fresh database (a new profile restarts the test resources) that trusts the old seals. */
  public static class Profile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("clarion.audit.verify-keys", DIR.resolve("seal-key.pem").toString());
    }
  }

  @Inject DataSource db;
  @Inject ExplanationLinks links;

  static JsonNode decisions;
  private static boolean loaded;

  @BeforeEach
  void load() throws IOException, SQLException {
    if (loaded) {
      return;
    }
    decisions = Fixtures.JSON.readTree(DIR.resolve("decision.json").toFile());
    try (Connection c = db.getConnection()) {
      insert(c, "decision", decisions);
      insert(
          c, "decision_seal", Fixtures.JSON.readTree(DIR.resolve("decision_seal.json").toFile()));
      JsonNode head = Fixtures.JSON.readTree(DIR.resolve("decision_chain.json").toFile()).get(0);
      try (PreparedStatement ps =
          c.prepareStatement("update decision_chain set seq = ?, hash = ? where id = 1")) {
        ps.setLong(1, head.get("seq").asLong());
        ps.setString(2, head.get("hash").asText());
        ps.executeUpdate();
      }
    }
    loaded = true;
  }

  private static void insert(Connection c, String table, JsonNode rows) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "insert into "
                + table
                + " select * from json_populate_record(null::"
                + table
                + ", ?::json)")) {
      for (JsonNode row : rows) {
        ps.setString(1, row.toString());
        ps.executeUpdate();
      }
    }
  }

  static JsonNode row(int seq) {
    JsonNode row = decisions.get(seq - 1);
    assertEquals(seq, row.get("seq").asInt());
    return row;
  }

  static String id(int seq) {
    return row(seq).get("id").asText();
  }

  @Test
  @TestSecurity(user = "aldo", roles = "auditor")
  void theChainVerifiesWithTheSealsOfTheKeyThatSignedThem() {
    given()
        .get("/audit/chain")
        .then()
        .statusCode(200)
        .body("intact", equalTo(true))
        .body("verified", equalTo(decisions.size()))
        .body("sealed", equalTo(decisions.size()))
        .body("headSeq", equalTo(decisions.size()))
        .body("firstBroken", nullValue());
  }

  @Test
  @TestSecurity(user = "aldo", roles = "auditor")
  void everyRecordIsReadAsStored() throws IOException {
    for (JsonNode stored : decisions) {
      JsonNode read =
          Fixtures.JSON.readTree(
              given()
                  .get("/audit/decisions/" + stored.get("id").asText())
                  .then()
                  .statusCode(200)
                  .extract()
                  .asString());
      JsonNode d = read.get("decision");
      assertEquals(stored.get("outcome").asText(), d.get("outcome").asText());
      assertEquals(stored.get("reason_code"), nullToMissing(d.get("reasonCode")));
      assertEquals(
          stored.get("output"), nullToMissing(d.get("output")), "output of " + stored.get("seq"));
      assertEquals(
          stored.get("inputs"), nullToMissing(d.get("inputs")), "inputs of " + stored.get("seq"));
      assertEquals(stored.get("hash").asText(), d.get("hash").asText());
      // The auditor page shows it.
      given()
          .get("/auditor/decisions/" + stored.get("id").asText())
          .then()
          .statusCode(200)
          .body(containsString(stored.get("service_id").asText()));
    }
  }

  private static JsonNode nullToMissing(JsonNode n) {
    return n == null || n.isMissingNode()
        ? com.fasterxml.jackson.databind.node.NullNode.getInstance()
        : n;
  }

  @Test
  @TestSecurity(user = "aldo", roles = "auditor")
  void scoredAndRefusedRecordsReplayIdentically() {
    for (int seq : new int[] {1, 2, 4, 6}) {
      given()
          .get("/audit/decisions/" + id(seq) + "/replay")
          .then()
          .statusCode(200)
          .body(
              "differences",
              org.hamcrest.Matchers.describedAs(
                  "replay of seq " + seq + " has no differences", org.hamcrest.Matchers.empty()))
          .body("identical", equalTo(true));
    }
    for (int seq : new int[] {3, 5}) {
      // Ended before inputs were gathered: nothing to replay, said so.
      given()
          .get("/audit/decisions/" + id(seq) + "/replay")
          .then()
          .statusCode(409)
          .body("issue[0].details.coding[0].code", equalTo("not-replayable"));
    }
  }

  @Test
  void theExplanationPagesOfScoredRecordsStillRender() {
    for (int seq : new int[] {1, 4, 6}) {
      String page =
          given()
              .get(links.path(UUID.fromString(id(seq)), Instant.now()))
              .then()
              .statusCode(200)
              .extract()
              .asString();
      assertTrue(page.contains(row(seq).get("model_id").asText()), page);
    }
  }

  @Test
  @TestSecurity(user = "aldo", roles = "auditor")
  void theExportCarriesEveryRecord() {
    String fhir =
        given()
            .accept("application/fhir+json")
            .get("/audit/export")
            .then()
            .statusCode(200)
            .extract()
            .asString();
    String csv =
        given().get("/audit/export?format=csv").then().statusCode(200).extract().asString();
    for (JsonNode stored : decisions) {
      assertTrue(fhir.contains(stored.get("id").asText()), "FHIR export has " + stored.get("seq"));
      assertTrue(csv.contains(stored.get("id").asText()), "CSV export has " + stored.get("seq"));
    }
    given()
        .get(
            "/audit/monitoring?service=ascvd-risk&from=2026-12-01T00:00:00Z&to=2026-12-03T00:00:00Z")
        .then()
        .statusCode(200);
  }
}
