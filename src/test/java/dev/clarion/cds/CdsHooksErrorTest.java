package dev.clarion.cds;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clarion.support.Fixtures;
import dev.clarion.support.TestEhr;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bad input gets the right status and exactly the OperationOutcome pinned in {@code
 * src/test/resources/cds/errors/<scenario>.outcome.json}; every call to a known service is recorded
 * as FAILED with the error code.
 */
@QuarkusTest
class CdsHooksErrorTest {

  @Inject DataSource db;

  @ParameterizedTest(name = "{0} → {2}")
  @CsvSource({
    "malformed_json, request.txt, 400, ascvd-risk",
    "missing_hook_instance, request.json, 400, ascvd-risk",
    "missing_patient_id, request.json, 400, ascvd-risk",
    "hook_mismatch, request.json, 400, ascvd-risk",
    "missing_prefetch_key, request.json, 412, ascvd-risk",
    "operation_outcome_prefetch, request.json, 412, ascvd-risk",
    "invalid_fhir_prefetch, request.json, 400, ascvd-risk",
    "unknown_service, request.json, 404, no-such-service"
  })
  void answersWithThePinnedOperationOutcome(
      String scenario, String requestSuffix, int status, String service) throws Exception {
    String body = resource("cds/errors/" + scenario + "." + requestSuffix);
    Response response =
        TestEhr.signed("/cds-services/" + service)
            .contentType(ContentType.JSON)
            .body(body)
            .post("/cds-services/" + service);
    response.then().statusCode(status).contentType("application/fhir+json");
    JsonNode expected =
        Fixtures.JSON.readTree(resource("cds/errors/" + scenario + ".outcome.json"));
    assertEquals(expected, Fixtures.JSON.readTree(response.asString()));

    JsonNode request = parseOrNull(body);
    String hookInstance = request == null ? null : request.path("hookInstance").asText(null);
    if (hookInstance != null && service.equals("ascvd-risk")) {
      try (Connection c = db.getConnection();
          PreparedStatement ps =
              c.prepareStatement(
                  "select outcome, reason_code, http_status from decision where hook_instance = ?")) {
        ps.setString(1, hookInstance);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          assertEquals("FAILED", rs.getString(1));
          assertEquals(expected.at("/issue/0/details/coding/0/code").asText(), rs.getString(2));
          assertEquals(status, rs.getInt(3));
        }
      }
    }
  }

  private static JsonNode parseOrNull(String body) {
    try {
      return Fixtures.JSON.readTree(body);
    } catch (Exception e) {
      return null;
    }
  }

  private static String resource(String path) throws Exception {
    try (InputStream in = CdsHooksErrorTest.class.getResourceAsStream("/" + path)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
