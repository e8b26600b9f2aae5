package dev.clarion.cds;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.support.Fixtures;
import dev.clarion.support.Sql;
import dev.clarion.support.TestEhr;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.Random;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Input the fuzzer found to give 500 or 503: content HAPI's parser or a binding cannot take, NUL
 * characters (PostgreSQL cannot store them), identifiers too long to index. Each is a 400 with a
 * stable code, and the failed call is still a decision row (with the code, without the bytes).
 * Feedback likewise: NUL, dates PostgreSQL cannot hold, over-long ids are 400s, nothing stored.
 */
@QuarkusTest
class InputLimitsTest {

  static final String PATH = "/cds-services/ascvd-risk";

  @Inject DataSource db;

  record Case(String name, Consumer<ObjectNode> mutate, String code) {
    @Override
    public String toString() {
      return name;
    }
  }

  static String randomText(int length) {
    Random random = new Random(length);
    StringBuilder s = new StringBuilder();
    while (s.length() < length) {
      s.append((char) ('!' + random.nextInt(90)));
    }
    return s.toString();
  }

  static ObjectNode firstLipid(ObjectNode r) {
    return (ObjectNode) r.at("/prefetch/lipids/entry/0/resource");
  }

  static Stream<Arguments> hookCases() {
    return Stream.of(
            new Case(
                "Patient.extension [1, \"a\", null]",
                r -> {
                  ArrayNode ext = ((ObjectNode) r.at("/prefetch/patient")).putArray("extension");
                  ext.add(1).add("a").addNull();
                },
                "prefetch-invalid"),
            new Case(
                "Patient.extension [\" \", \"\"]",
                r ->
                    ((ObjectNode) r.at("/prefetch/patient")).putArray("extension").add(" ").add(""),
                "prefetch-invalid"),
            new Case(
                "Observation.extension [[[1]]]",
                r -> firstLipid(r).putArray("extension").addArray().addArray().add(1),
                "prefetch-invalid"),
            new Case(
                "valueQuantity.value with 400 digits",
                r ->
                    ((ObjectNode) firstLipid(r).get("valueQuantity"))
                        .put("value", new java.math.BigDecimal("9".repeat(400))),
                "prefetch-invalid"),
            new Case(
                "NUL in context.userId",
                r -> ((ObjectNode) r.get("context")).put("userId", "Practitioner/\u0000"),
                "invalid-character"),
            new Case(
                "NUL in an Observation id",
                r -> firstLipid(r).put("id", "tc\u0000"),
                "invalid-character"),
            new Case(
                "hookInstance of 3,000 characters",
                r -> r.put("hookInstance", randomText(3000)),
                "invalid-field"),
            new Case(
                "context.patientId of 3,000 characters",
                r -> ((ObjectNode) r.get("context")).put("patientId", randomText(3000)),
                "invalid-field"),
            new Case(
                "control character in context.patientId",
                r -> ((ObjectNode) r.get("context")).put("patientId", "p\u0007"),
                "invalid-field"))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hookCases")
  void badInputIsA400AndStillRecorded(Case c) throws Exception {
    ObjectNode request = Fixtures.request("cds/patient_view_synthea_scored.json");
    request.put("hookInstance", UUID.randomUUID().toString());
    c.mutate().accept(request);
    long before = failures(c.code());
    TestEhr.signed(PATH)
        .contentType("application/json")
        .body(Fixtures.text(request))
        .post(PATH)
        .then()
        .statusCode(400)
        .contentType("application/fhir+json")
        .body("issue[0].details.coding[0].code", equalTo(c.code()));
    assertEquals(before + 1, failures(c.code()), "the failed call is a decision row");
    // And the server is fine afterwards.
    TestEhr.call(PATH, Fixtures.request("cds/patient_view_synthea_scored.json")).statusCode(200);
  }

  long failures(String code) throws Exception {
    return Long.parseLong(
        Sql.single(
            db,
            "select count(*) from decision where outcome = 'FAILED' and http_status = 400"
                + " and reason_code = '"
                + code
                + "'"));
  }

  static Stream<Arguments> feedbackCases() {
    String card = UUID.randomUUID().toString();
    String item = "{\"card\": \"%s\", \"outcome\": \"overridden\", \"outcomeTimestamp\": \"%s\"%s}";
    return Stream.of(
        Arguments.of(
            "NUL in card",
            String.format(item, "\\u0000", "2026-11-25T10:20:00Z", ""),
            "invalid-character"),
        Arguments.of(
            "NUL in userComment",
            String.format(
                item,
                card,
                "2026-11-25T10:20:00Z",
                ", \"overrideReason\": {\"userComment\": \"no\\u0000\"}"),
            "invalid-character"),
        Arguments.of(
            "NUL in reason.code",
            String.format(
                item,
                card,
                "2026-11-25T10:20:00Z",
                ", \"overrideReason\": {\"reason\": {\"system\": \"s\", \"code\": \"\\u0000\"}}"),
            "invalid-character"),
        Arguments.of(
            "outcomeTimestamp -5000-01-01",
            String.format(item, card, "-5000-01-01T00:00:00Z", ""),
            "invalid-outcome-timestamp"),
        Arguments.of(
            "outcomeTimestamp +300000-01-01",
            String.format(item, card, "+300000-01-01T00:00:00Z", ""),
            "invalid-outcome-timestamp"),
        Arguments.of(
            "card of 3,000 characters",
            String.format(
                item,
                randomText(3000).replace("\"", "'").replace("\\", "/"),
                "2026-11-25T10:20:00Z",
                ""),
            "invalid-card"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("feedbackCases")
  void badFeedbackIsA400AndNothingIsStored(String name, String item, String code) throws Exception {
    long before = Long.parseLong(Sql.single(db, "select count(*) from feedback"));
    String path = PATH + "/feedback";
    TestEhr.signed(path)
        .contentType("application/json")
        .body("{\"feedback\": [" + item + "]}")
        .post(path)
        .then()
        .statusCode(400)
        .body("issue[0].details.coding[0].code", equalTo(code));
    assertEquals(before, Long.parseLong(Sql.single(db, "select count(*) from feedback")));
  }
}
