package dev.clarion.audit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.support.Fixtures;
import dev.clarion.support.KeycloakTestResource;
import dev.clarion.support.Sql;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Seals and checkpoints (issue 13): every committed batch is signed with a key the database never
 * holds, so a row appended with the application's own database credentials — correctly chained,
 * hash recomputed — is found; the newest seal published outside the database shows records deleted
 * at the end, which the chain alone cannot. Seals verify with OpenSSL, not only with Clarion's own
 * code.
 */
@QuarkusTest
class ChainSealTest {

  static final String SCORED = "cds/patient_view_synthea_scored.json";
  static final String PATH = "/cds-services/ascvd-risk";

  @Inject ChainVerifier chain;
  @Inject DataSource db;
  @Inject AuditConfig config;
  @Inject ObjectMapper mapper;

  @Test
  void everyRecordIsSealedAndTheSealsVerifyWithOpenSsl() throws Exception {
    DecisionChainTest.post(Fixtures.request(SCORED), 200);
    ChainVerifier.Report report = chain.verify();
    assertTrue(report.intact(), String.valueOf(report.firstBroken()));
    assertEquals(report.verified(), report.sealed(), "every record is in a verified seal");
    assertEquals(0, report.unsealedBeforeSealing());

    JsonPath key = auditor().get("/audit/chain/key").then().statusCode(200).extract().jsonPath();
    assertEquals("Ed25519", key.getString("algorithm"));
    Path dir = Files.createTempDirectory(Path.of("target"), "openssl-");
    Files.writeString(dir.resolve("pub.pem"), key.getString("publicKey"));
    Seal seal = newestSeal();
    assertEquals(key.getString("keyId"), seal.keyId());
    assertEquals(report.headSeq(), seal.lastSeq());
    Files.writeString(dir.resolve("payload"), seal.payload());
    Files.write(dir.resolve("sig"), Base64.getDecoder().decode(seal.signature()));
    assertEquals("Signature Verified Successfully", openssl(dir, "payload"));
    Files.writeString(
        dir.resolve("forged"),
        seal.payload().replace("\n" + seal.lastSeq() + "\n", "\n" + (seal.lastSeq() + 1) + "\n"));
    assertEquals("Signature Verification Failure", openssl(dir, "forged"));
  }

  @Test
  void aRowForgedWithTheApplicationsCredentialsAndARecomputedHashIsFound() throws Exception {
    DecisionChainTest.post(Fixtures.request(SCORED), 200);
    grantAsReadme();
    long forgedSeq;
    try (Connection c = db.getConnection();
        Statement s = c.createStatement()) {
      s.execute("set role clarion_app_probe");
      try {
        c.setAutoCommit(false);
        RecordHasher.Row last;
        String headHash;
        try (ResultSet rs = s.executeQuery("select seq, hash from decision_chain for update")) {
          rs.next();
          forgedSeq = rs.getLong(1) + 1;
          headHash = rs.getString(2);
        }
        try (ResultSet rs =
            s.executeQuery(
                "select seq, prev_hash, hash, id, recorded_at, client_id, client_iss,"
                    + " client_tenant, service_id, hook, hook_instance, patient_ref, user_ref,"
                    + " outcome, reason_code, reasons::text, http_status, model_id, model_version,"
                    + " model_sha256, inputs::text, output::text, attributions::text,"
                    + " card_uuids::text, suggestion_uuids::text, latency_micros, shadow::text,"
                    + " recommendations::text, imaging::text"
                    + " from decision"
                    + " order by seq desc limit 1")) {
          rs.next();
          last = ChainVerifier.row(rs);
        }
        // A copy of the newest decision with a new id and a lower risk, chained correctly.
        RecordHasher.Row forged =
            new RecordHasher.Row(
                forgedSeq,
                headHash,
                UUID.randomUUID(),
                last.recordedAt().plusMillis(1),
                last.clientId(),
                last.clientIss(),
                last.clientTenant(),
                last.serviceId(),
                last.hook(),
                "forged-" + forgedSeq,
                last.patientRef(),
                last.userRef(),
                last.outcome(),
                last.reasonCode(),
                last.reasons(),
                last.httpStatus(),
                last.modelId(),
                last.modelVersion(),
                last.modelSha256(),
                last.inputs(),
                last.output(),
                last.attributions(),
                last.cardUuids(),
                last.suggestionUuids(),
                last.latencyMicros(),
                last.shadow(),
                last.recommendations(),
                last.imaging());
        String hash = RecordHasher.hash(forged);
        try (PreparedStatement insert =
            c.prepareStatement(
                "insert into decision (seq, prev_hash, hash, id, recorded_at, client_id,"
                    + " client_iss, client_tenant, service_id, hook, hook_instance, patient_ref,"
                    + " user_ref, outcome, reason_code, reasons, http_status, model_id,"
                    + " model_version, model_sha256, inputs, output, attributions, card_uuids,"
                    + " suggestion_uuids, latency_micros, shadow, recommendations) select ?, ?,"
                    + " ?, ?, ?, client_id,"
                    + " client_iss, client_tenant, service_id, hook, ?, patient_ref, user_ref,"
                    + " outcome, reason_code, reasons, http_status, model_id, model_version,"
                    + " model_sha256, inputs, output, attributions, card_uuids, suggestion_uuids,"
                    + " latency_micros, shadow, recommendations from decision where seq = ?")) {
          insert.setLong(1, forgedSeq);
          insert.setString(2, headHash);
          insert.setString(3, hash);
          insert.setObject(4, forged.id());
          insert.setTimestamp(5, java.sql.Timestamp.from(forged.recordedAt()));
          insert.setString(6, forged.hookInstance());
          insert.setLong(7, last.seq());
          insert.executeUpdate();
        }
        try (PreparedStatement move =
            c.prepareStatement("update decision_chain set seq = ?, hash = ? where id = 1")) {
          move.setLong(1, forgedSeq);
          move.setString(2, hash);
          move.executeUpdate();
        }
        c.commit();
      } finally {
        c.setAutoCommit(true);
        s.execute("reset role");
      }
    }
    try {
      ChainVerifier.Report report = chain.verify();
      assertFalse(report.intact());
      assertEquals(forgedSeq, report.firstBroken().seq());
      assertTrue(report.firstBroken().reason().contains("no seal"), report.firstBroken().reason());

      // Nor can the forger make a seal: one with a signature of its own does not verify.
      Seal genuine = newestSeal();
      Sql.asSuperuser(
          db,
          "insert into decision_seal select "
              + forgedSeq
              + ", "
              + forgedSeq
              + ", prev_hash, hash, now(), key_id, '"
              + Base64.getEncoder().encodeToString(new byte[64])
              + "' from decision_seal where last_seq = "
              + genuine.lastSeq());
      report = chain.verify();
      assertFalse(report.intact());
      assertTrue(
          report.firstBroken().reason().contains("does not verify"), report.firstBroken().reason());
      // ... and a checkpoint is never published from it.
      given()
          .header("Authorization", "Bearer " + auditorToken())
          .post("/audit/chain/checkpoints")
          .then()
          .statusCode(409)
          .body("issue[0].details.coding[0].code", equalTo("seal-invalid"));
    } finally {
      Sql.asSuperuser(
          db,
          "delete from decision_seal where last_seq = " + forgedSeq,
          "delete from decision where seq = " + forgedSeq,
          "update decision_chain set seq = d.seq, hash = d.hash from (select seq, hash from"
              + " decision order by seq desc limit 1) d");
    }
    assertTrue(chain.verify().intact(), "restored");
  }

  @Test
  void aCheckpointShowsRecordsDeletedAtTheEndWithTheOwnersRights() throws Exception {
    DecisionChainTest.post(Fixtures.request(SCORED), 200);
    JsonPath published =
        auditor().post("/audit/chain/checkpoints").then().statusCode(200).extract().jsonPath();
    long seq = published.getLong("seal.lastSeq");
    List<String> files = published.getList("destinations");
    assertEquals(1, files.size());
    assertTrue(files.get(0).startsWith(config.checkpoint().directory().orElseThrow().toString()));
    JsonNode file = mapper.readTree(Path.of(files.get(0)).toFile());
    assertEquals(seq, file.get("lastSeq").asLong());

    auditor()
        .get("/audit/chain")
        .then()
        .statusCode(200)
        .body("intact", equalTo(true))
        .body("checkpoint.seq", equalTo((int) seq));

    DecisionChainTest.post(Fixtures.request(SCORED), 200);
    ChainVerifier.Report grown = chain.verify();
    assertTrue(grown.intact(), String.valueOf(grown.firstBroken()));
    assertEquals(1L, grown.checkpoint().appendedSince());

    // The owner removes the last two records and their seals and moves the head back: the chain
    // in the database is consistent again; only the checkpoint outside it knows better.
    Sql.asSuperuser(
        db,
        "create table saved_decision as select * from decision where seq >= " + seq,
        "create table saved_seal as select * from decision_seal where last_seq >= " + seq,
        "delete from decision where seq >= " + seq,
        "delete from decision_seal where last_seq >= " + seq,
        "update decision_chain set seq = d.seq, hash = d.hash from (select seq, hash from"
            + " decision order by seq desc limit 1) d");
    try {
      ChainVerifier.Report report = chain.verify();
      assertFalse(report.intact());
      assertTrue(
          report.firstBroken().reason().contains("records deleted since"),
          report.firstBroken().reason());
    } finally {
      Sql.asSuperuser(
          db,
          "insert into decision select * from saved_decision",
          "insert into decision_seal select * from saved_seal",
          "drop table saved_decision",
          "drop table saved_seal",
          "update decision_chain set seq = d.seq, hash = d.hash from (select seq, hash from"
              + " decision order by seq desc limit 1) d");
    }
    assertTrue(chain.verify().intact(), "restored");
  }

  @Test
  void theExportCarriesTheSealsOfItsRecordsAndTheKey() throws Exception {
    DecisionChainTest.post(Fixtures.request(SCORED), 200);
    JsonNode bundle =
        mapper.readTree(
            auditor()
                .queryParam("format", "fhir")
                .get("/audit/export")
                .then()
                .statusCode(200)
                .extract()
                .asString());
    JsonNode binary = null;
    for (JsonNode entry : bundle.get("entry")) {
      if (entry.get("resource").get("resourceType").asText().equals("Binary")) {
        binary = entry.get("resource");
      }
    }
    assertNotNull(binary, "a Binary with the seals");
    JsonNode seals = mapper.readTree(Base64.getDecoder().decode(binary.get("data").asText()));
    assertEquals("Ed25519", seals.get("algorithm").asText());
    assertTrue(seals.get("publicKey").asText().startsWith("-----BEGIN PUBLIC KEY-----"));
    assertTrue(seals.get("seals").size() >= 1);
    Seal last =
        mapper.treeToValue(seals.get("seals").get(seals.get("seals").size() - 1), Seal.class);
    assertEquals(newestSeal(), last);
  }

  @Test
  void theSealTableIsAppendOnly() throws Exception {
    DecisionChainTest.post(Fixtures.request(SCORED), 200);
    for (String sql :
        List.of(
            "update decision_seal set signature = 'x'",
            "delete from decision_seal",
            "truncate decision_seal")) {
      Exception e =
          org.junit.jupiter.api.Assertions.assertThrows(
              java.sql.SQLException.class,
              () -> {
                try (Connection c = db.getConnection();
                    Statement s = c.createStatement()) {
                  s.execute(sql);
                }
              });
      assertTrue(e.getMessage().contains("append-only"), e.getMessage());
    }
  }

  private Seal newestSeal() throws Exception {
    try (Connection c = db.getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("select * from decision_seal order by last_seq desc limit 1")) {
      rs.next();
      return ChainCheckpoints.seal(rs);
    }
  }

  /** The application role with the README's grants on the chain's tables. */
  private void grantAsReadme() throws Exception {
    Sql.asSuperuser(
        db,
        "do $$ begin if not exists (select from pg_roles where rolname = 'clarion_app_probe')"
            + " then create role clarion_app_probe; end if; end $$",
        "grant select, insert on decision, decision_seal to clarion_app_probe",
        "grant select, update on decision_chain to clarion_app_probe");
  }

  private static String openssl(Path dir, String payload) throws Exception {
    Process p =
        new ProcessBuilder(
                "openssl",
                "pkeyutl",
                "-verify",
                "-pubin",
                "-inkey",
                "pub.pem",
                "-rawin",
                "-in",
                payload,
                "-sigfile",
                "sig")
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    return out;
  }

  private static String auditorToken() {
    return KeycloakTestResource.token("aldo", "aldo-password");
  }

  private static io.restassured.specification.RequestSpecification auditor() {
    return given().header("Authorization", "Bearer " + auditorToken());
  }
}
