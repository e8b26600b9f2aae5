package dev.clarion.cds;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.support.Fixtures;
import dev.clarion.support.TestEhr;
import io.quarkus.test.junit.QuarkusTest;
import java.time.LocalDate;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * LACE on encounter-discharge, end to end: the encounter being discharged, earlier emergency
 * encounters and ICD-10 conditions from the prefetch become the L, A, C and E items on the card.
 */
@QuarkusTest
class LaceServiceTest {

  static final String PATH = "/cds-services/lace";
  static final String PATIENT = "Patient/lace-patient";

  static ObjectNode request(String birthDate, boolean withEncounter, String... icd10) {
    LocalDate today = LocalDate.now();
    ObjectNode request = Fixtures.JSON.createObjectNode();
    request.put("hook", "encounter-discharge").put("hookInstance", UUID.randomUUID().toString());
    request
        .putObject("context")
        .put("userId", "Practitioner/example")
        .put("patientId", "lace-patient")
        .put("encounterId", "adm-1");
    ObjectNode prefetch = request.putObject("prefetch");
    prefetch
        .putObject("patient")
        .put("resourceType", "Patient")
        .put("id", "lace-patient")
        .put("birthDate", birthDate);
    ObjectNode admission =
        encounter("adm-1", "IMP", today.minusDays(5).toString(), today.toString());
    admission
        .putObject("priority")
        .putArray("coding")
        .addObject()
        .put("system", "http://terminology.hl7.org/CodeSystem/v3-ActPriority")
        .put("code", "EM");
    prefetch.set("encounter", withEncounter ? admission : null);
    ObjectNode encounters = Fixtures.searchset(null);
    ArrayNode entries = (ArrayNode) encounters.get("entry");
    if (withEncounter) {
      entries.addObject().set("resource", admission.deepCopy());
    }
    entries
        .addObject()
        .set("resource", encounter("ed-1", "EMER", today.minusDays(40).toString(), null));
    entries
        .addObject()
        .set("resource", encounter("ed-2", "EMER", today.minusDays(100).toString(), null));
    encounters.put("total", entries.size());
    prefetch.set("encounters", encounters);
    ObjectNode conditions = Fixtures.searchset(null);
    ArrayNode conds = (ArrayNode) conditions.get("entry");
    for (int i = 0; i < icd10.length; i++) {
      ObjectNode c = conds.addObject().putObject("resource");
      c.put("resourceType", "Condition").put("id", "cond-" + i);
      c.putObject("code")
          .putArray("coding")
          .addObject()
          .put("system", "http://hl7.org/fhir/sid/icd-10-cm")
          .put("code", icd10[i]);
      c.putObject("subject").put("reference", PATIENT);
    }
    conditions.put("total", conds.size());
    prefetch.set("conditions", conditions);
    return request;
  }

  static ObjectNode encounter(String id, String cls, String start, String end) {
    ObjectNode e = Fixtures.JSON.createObjectNode();
    e.put("resourceType", "Encounter").put("id", id).put("status", "finished");
    e.putObject("meta").put("versionId", "1");
    e.putObject("class")
        .put("system", "http://terminology.hl7.org/CodeSystem/v3-ActCode")
        .put("code", cls);
    e.putObject("subject").put("reference", PATIENT);
    ObjectNode period = e.putObject("period").put("start", start);
    if (end != null) {
      period.put("end", end);
    }
    return e;
  }

  @Test
  void scoresThePublishedExampleFromTheEhrData() {
    // The paper's example: LOS 5, emergent, Charlson 5 (here heart failure 1 + diabetes with
    // complications 2 + renal disease 2), 2 emergency visits → 4 + 3 + 5 + 2 = 14.
    TestEhr.call(PATH, request("1950-02-03", true, "I50.9", "E11.22", "N18.4"))
        .statusCode(200)
        .body("cards", hasSize(1))
        .body("cards[0].summary", equalTo("LACE index 14 points (high)"))
        .body("cards[0].indicator", equalTo("warning"))
        .body(
            "cards[0].detail",
            containsString("**Items scoring** (points): C: Charlson comorbidity index 5 ("))
        .body("cards[0].detail", containsString(") +5, L: length of stay 5 days +4, A: emergent"))
        .body("cards[0].detail", containsString("A: emergent (acute) admission (yes) +3, E: "))
        .body("cards[0].detail", containsString("within 30 days of discharge"))
        .body("cards[0].detail", containsString("diabetes with chronic complication 2"))
        .body("cards[0].detail", not(containsString("Encounter/adm-1")));
  }

  @Test
  void withoutTheDischargedEncounterItSaysWhy() {
    TestEhr.call(PATH, request("1950-02-03", false))
        .statusCode(200)
        .body("cards[0].summary", containsString("LACE index not calculated"))
        .body("cards[0].detail", containsString("encounter being discharged"));
  }

  @Test
  void childrenGetNoCard() {
    TestEhr.call(PATH, request(LocalDate.now().minusYears(9).toString(), true))
        .statusCode(200)
        .body("cards", hasSize(0));
  }
}
