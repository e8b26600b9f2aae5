package dev.clarion.cds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.audit.ChainSigner;
import dev.clarion.support.Fixtures;
import dev.clarion.support.TestEhr;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** One-off: writes decision records as this commit's code stores them (run alone, then removed). */
@QuarkusTest
class WriteRecordFixturesOnce {

  @Inject DataSource db;
  @Inject ChainSigner signer;

  @Test
  void write() throws Exception {
    TestEhr.call(
        "/cds-services/ascvd-risk", Fixtures.request("cds/patient_view_synthea_scored.json"));
    TestEhr.call(
        "/cds-services/ascvd-risk",
        Fixtures.request("cds/patient_view_synthea_ascvd_history.json"));
    ObjectNode failed = Fixtures.request("cds/patient_view_synthea_scored.json");
    ((ObjectNode) failed.get("context")).remove("patientId");
    TestEhr.signed("/cds-services/ascvd-risk")
        .contentType("application/json")
        .body(Fixtures.text(failed))
        .post("/cds-services/ascvd-risk")
        .then()
        .statusCode(400);
    TestEhr.call(
        "/cds-services/bp-order-sign",
        BpOrderSignServiceTest.request("17767", "amlodipine 5 mg oral tablet"));
    TestEhr.call(
        "/cds-services/bp-order-sign",
        BpOrderSignServiceTest.request("6809", "metformin 500 mg oral tablet"));
    TestEhr.call(
        "/cds-services/news2",
        News2ServiceTest.request(News2ServiceTest.workedExample(), "1961-03-02", null));
    Path dir = Path.of("src/test/resources/records");
    dump(
        dir.resolve("decision.json"),
        "select json_agg(row_to_json(t) order by seq) from decision t");
    dump(
        dir.resolve("decision_seal.json"),
        "select json_agg(row_to_json(t) order by first_seq) from decision_seal t");
    dump(
        dir.resolve("decision_chain.json"),
        "select json_agg(row_to_json(t)) from decision_chain t");
    Files.writeString(dir.resolve("seal-key.pem"), signer.publicKeyPem());
  }

  private void dump(Path file, String sql) throws Exception {
    try (Connection c = db.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      Files.writeString(
          file,
          Fixtures.JSON
                  .writerWithDefaultPrettyPrinter()
                  .writeValueAsString(Fixtures.JSON.readTree(rs.getString(1)))
              + "\n");
    }
  }
}
