package dev.clarion.cds;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.support.Fixtures;
import dev.clarion.support.Sql;
import dev.clarion.support.TestEhr;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Medication orders as EHRs code them, through the real services and the published value sets: a
 * patient on chlorthalidone (or on a branded drug known only by its RxNorm name) is scored as
 * treated, and the decision record says which value set matched and how; order-sign recognises the
 * same orders.
 */
@QuarkusTest
class TerminologyServiceTest {

  static final String PATH = "/cds-services/ascvd-risk";
  static final String GROUPER = "http://cts.nlm.nih.gov/fhir/ValueSet/2.16.840.1.113883.3.526.1577";

  @Inject DataSource db;

  /** The Synthea patient (treated with hydrochlorothiazide 310798) on another medication. */
  static ObjectNode onMedication(String code, String display) {
    ObjectNode request = Fixtures.request("cds/patient_view_synthea_scored.json");
    request.put("hookInstance", UUID.randomUUID().toString());
    for (JsonNode entry : request.at("/prefetch/medications/entry")) {
      JsonNode med = entry.at("/resource/medicationCodeableConcept");
      if (med.at("/coding/0/code").asText().equals("310798")) {
        ObjectNode coding = (ObjectNode) med.at("/coding/0");
        coding.put("code", code).put("display", display);
        ((ObjectNode) med).put("text", display);
      }
    }
    return request;
  }

  JsonNode bpTreated(ObjectNode request) throws Exception {
    return PreventServiceTest.recordedFeature(db, request, "bpTreated");
  }

  @Test
  void aPatientOnChlorthalidoneIsScoredAsTreated() throws Exception {
    String hctz = summary(Fixtures.request("cds/patient_view_synthea_scored.json"));
    ObjectNode request = onMedication("197499", "chlorthalidone 25 MG Oral Tablet");
    assertEquals(hctz, summary(request), "same risk as on hydrochlorothiazide: treated");
    JsonNode treated = bpTreated(request);
    assertEquals(1, treated.get("value").asDouble());
    JsonNode matched = treated.get("matchedBy");
    assertEquals(GROUPER + "|20210220", matched.get("valueSet").asText(), treated.toString());
    assertEquals("CODE", matched.get("via").asText());
    assertEquals("197499", matched.get("code").asText());
  }

  @Test
  void aBrandedDrugKnownOnlyByItsRxNormNameIsRecognised() throws Exception {
    ObjectNode request = onMedication("104377", "Lisinopril 10 MG Oral Tablet [Zestril]");
    String hctz = summary(Fixtures.request("cds/patient_view_synthea_scored.json"));
    assertEquals(hctz, summary(request));
    JsonNode matched = bpTreated(request).get("matchedBy");
    assertEquals("BRANDED_NAME", matched.get("via").asText(), matched.toString());
    assertEquals("314076", matched.get("code").asText(), "the SCD the brand is named after");
  }

  @Test
  void aPatientOnlyOnOtherDrugsIsScoredAsUntreatedAndTheCardSaysSo() throws Exception {
    ObjectNode request = onMedication("617310", "atorvastatin 20 MG Oral Tablet");
    TestEhr.call(PATH, request)
        .statusCode(200)
        .body("cards", hasSize(1))
        .body("cards[0].summary", containsString("10-year ASCVD risk"));
    assertEquals(0, bpTreated(request).get("value").asDouble());
    assertEquals("ABSENT", bpTreated(request).get("status").asText());
  }

  @Test
  void statinUseAndItsIntensityAreRecordedFromTheIntensityValueSets() throws Exception {
    for (String[] order :
        new String[][] {
          {"617310", "atorvastatin 20 MG Oral Tablet", "2", "Moderate Intensity Statin Therapy"},
          {
            "sbd-lipitor-80",
            "Atorvastatin 80 MG Oral Tablet [Lipitor]",
            "3",
            "High Intensity Statin Therapy"
          },
        }) {
      ObjectNode request = PreventServiceTest.request(72.0);
      ObjectNode statin =
          (ObjectNode) request.at("/prefetch/medications/entry/0/resource").deepCopy();
      statin.put("id", "statin-1");
      ((ObjectNode) statin.get("medicationCodeableConcept")).put("text", order[1]);
      ((ObjectNode) statin.at("/medicationCodeableConcept/coding/0"))
          .put("code", order[0])
          .put("display", order[1]);
      request.withArray("/prefetch/medications/entry").addObject().set("resource", statin);
      TestEhr.call("/cds-services/prevent-cvd", request).statusCode(200).body("cards", hasSize(1));
      JsonNode inputs = Fixtures.JSON.readTree(Sql.decision(db, request, "inputs"));
      assertEquals(
          1, PreventServiceTest.recordedFeature(db, request, "statin").get("value").asDouble());
      JsonNode intensity = inputs.at("/recorded/0");
      assertEquals("statinIntensity", intensity.get("name").asText());
      assertEquals(Double.parseDouble(order[2]), intensity.get("value").asDouble(), order[1]);
      assertEquals(order[3], intensity.get("note").asText());
      assertEquals("statin-1", intensity.get("source").asText().split("/")[1]);
    }
  }

  @Test
  void orderSignRecognisesGenericAndBrandedOrders() {
    for (String[] order :
        new String[][] {
          {"197500", "chlorthalidone 50 MG Oral Tablet"},
          {"310429", "furosemide 20 MG Oral Tablet"},
          {"198223", "spironolactone 50 MG Oral Tablet"},
          {"831054", "diltiazem hydrochloride 120 MG Oral Tablet"},
          {"206765", "Lisinopril 10 MG Oral Tablet [Zestril]"},
        }) {
      TestEhr.call(
              "/cds-services/bp-order-sign", BpOrderSignServiceTest.request(order[0], order[1]))
          .statusCode(200)
          .body("cards", hasSize(1))
          .body("cards[0].detail", containsString(order[1]));
    }
  }

  static String summary(ObjectNode request) {
    return TestEhr.call(PATH, request)
        .statusCode(200)
        .extract()
        .path("cards[0].summary")
        .toString();
  }
}
