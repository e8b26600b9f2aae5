package dev.clarion.cds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.clarion.support.Fixtures;
import dev.clarion.support.TestEhr;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Iterator;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Golden cards: what a clinician sees for a scored, a refused, an order-sign and an order-select
 * card, pinned as scenario-named JSON in {@code src/test/resources/cards/golden/} so every change
 * to a card is reviewed as a diff. The request's dates are shifted so the patient is the same age
 * and every result the same age whenever the test runs; per-call values (uuids, signed links, the
 * base URL, the RiskAssessment's and the proposed orders' times) are replaced by placeholders. To
 * accept a deliberate change: {@code ./mvnw test -Dtest=GoldenCardsTest -Dgolden.update=true}, then
 * review the diff.
 */
@QuarkusTest
class GoldenCardsTest {

  static final Path GOLDEN = Path.of("src/test/resources/cards/golden");

  /** The day the Synthea fixture's dates are anchored to. */
  static final LocalDate ANCHOR = LocalDate.of(2026, 11, 25);

  static final Pattern DATE = Pattern.compile("^(\\d{4}-\\d{2}-\\d{2})(.*)$");

  @Test
  void scoredCardOfATreatedPatientWithSystolicBp150() throws Exception {
    ObjectNode request = shifted(withSystolicBp(Fixtures.request(SCORED), 150));
    assertGolden("patient_view_ascvd_scored_sbp150", call("/cds-services/ascvd-risk", request));
  }

  @Test
  void refusedCardOfAPatientWithAMyocardialInfarction() throws Exception {
    ObjectNode request = Fixtures.request(SCORED);
    ObjectNode mi =
        request.withArray("/prefetch/conditions/entry").addObject().putObject("resource");
    mi.put("resourceType", "Condition").put("id", "mi-1");
    mi.putObject("meta").put("versionId", "1");
    mi.putObject("clinicalStatus")
        .putArray("coding")
        .addObject()
        .put("system", "http://terminology.hl7.org/CodeSystem/condition-clinical")
        .put("code", "resolved");
    mi.putObject("code")
        .put("text", "Acute myocardial infarction")
        .putArray("coding")
        .addObject()
        .put("system", "http://hl7.org/fhir/sid/icd-10-cm")
        .put("code", "I21.9");
    mi.put("onsetDateTime", ANCHOR.minusYears(3).toString());
    mi.putObject("subject")
        .put("reference", "Patient/" + request.at("/context/patientId").asText());
    assertGolden(
        "patient_view_ascvd_refused_myocardial_infarction",
        call("/cds-services/ascvd-risk", shifted(request)));
  }

  @Test
  void orderSignCardOfAnAmlodipineOrderAtSystolicBp150() throws Exception {
    ObjectNode request =
        shifted(BpOrderSignServiceTest.request("17767", "amlodipine 5 mg oral tablet"));
    assertGolden("order_sign_amlodipine_sbp150", call("/cds-services/bp-order-sign", request));
  }

  @Test
  void orderSelectCardOfAModerateIntensityStatinWhereHighIsRecommended() throws Exception {
    ObjectNode request =
        shifted(
            OrderSelectServiceTest.request(200, false, "617312", "atorvastatin 10 MG Oral Tablet"));
    assertGolden(
        "order_select_atorvastatin10_ldl200", call("/cds-services/cvd-order-select", request));
  }

  static final String SCORED = "cds/patient_view_synthea_scored.json";

  static ObjectNode withSystolicBp(ObjectNode request, double sbp) {
    for (JsonNode entry : request.at("/prefetch/bloodPressure/entry")) {
      for (JsonNode c : entry.at("/resource/component")) {
        if (c.at("/code/coding/0/code").asText().equals("8480-6")) {
          ((ObjectNode) c.get("valueQuantity")).put("value", sbp);
        }
      }
    }
    return request;
  }

  /** Every date moved by the days between the fixture's anchor and today. */
  static ObjectNode shifted(ObjectNode request) {
    return shifted(request, ChronoUnit.DAYS.between(ANCHOR, LocalDate.now(ZoneOffset.UTC)));
  }

  static ObjectNode shifted(ObjectNode request, long days) {
    request.put("hookInstance", UUID.randomUUID().toString());
    shift(request, days);
    return request;
  }

  private static void shift(JsonNode node, long days) {
    if (node instanceof ObjectNode o) {
      for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        Matcher m = field.getValue().isTextual() ? DATE.matcher(field.getValue().asText()) : null;
        if (m != null && m.matches() && !field.getKey().equals("hookInstance")) {
          field.setValue(new TextNode(LocalDate.parse(m.group(1)).plusDays(days) + m.group(2)));
        } else {
          shift(field.getValue(), days);
        }
      }
    } else if (node instanceof ArrayNode a) {
      a.forEach(n -> shift(n, days));
    }
  }

  static JsonNode call(String path, ObjectNode request) throws Exception {
    String body = TestEhr.call(path, request).statusCode(200).extract().asString();
    return Fixtures.JSON.readTree(body);
  }

  /** Per-call values replaced by placeholders; everything else must match byte for byte. */
  static String normalized(JsonNode response) throws Exception {
    String base = TestEhr.url("");
    String text =
        Fixtures.JSON
            .writer()
            .with(SerializationFeature.INDENT_OUTPUT)
            .writeValueAsString(response)
            .replace(base, "{base}")
            .replaceAll(
                "\\{base}/explanations/[0-9a-f-]{36}\\?expires=\\d+&sig=[A-Za-z0-9_-]+",
                "{explanation-link}")
            .replaceAll(
                "\"(uuid|value|id)\" : \"(urn:uuid:)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\"",
                "\"$1\" : \"{uuid}\"")
            .replaceAll("\"occurrenceDateTime\" : \"[^\"]+\"", "\"occurrenceDateTime\" : \"{now}\"")
            .replaceAll("\"authoredOn\" : \"[^\"]+\"", "\"authoredOn\" : \"{now}\"");
    // Dates were shifted into today's frame; shift them back so the golden file never ages.
    long days = ChronoUnit.DAYS.between(ANCHOR, LocalDate.now(ZoneOffset.UTC));
    Matcher m = Pattern.compile("\\b(\\d{4}-\\d{2}-\\d{2})\\b").matcher(text);
    StringBuilder back = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(back, LocalDate.parse(m.group(1)).minusDays(days).toString());
    }
    m.appendTail(back);
    return back + "\n";
  }

  static void assertGolden(String scenario, JsonNode response) throws Exception {
    Path file = GOLDEN.resolve(scenario + ".json");
    String actual = normalized(response);
    if (Boolean.getBoolean("golden.update")) {
      Files.writeString(file, actual);
    }
    assertTrue(Files.exists(file), "no golden file " + file + " (run with -Dgolden.update=true)");
    assertEquals(Files.readString(file), actual, "card differs from " + file);
  }
}
