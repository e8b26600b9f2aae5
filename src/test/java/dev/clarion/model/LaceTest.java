package dev.clarion.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.binding.Binding;
import dev.clarion.binding.BindingExtractor;
import dev.clarion.binding.Extraction;
import dev.clarion.binding.UnitConverter;
import dev.clarion.fhir.PatientData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * LACE as served (ONNX compiled from model.json) against an independent transcription of van
 * Walraven 2010, and its FHIR inputs: length of stay, acuity, emergency visits and the Charlson
 * index from ICD-10 (Quan 2005) with its hierarchies.
 */
class LaceTest {

  static final Path DIR = Path.of("models/lace");
  static final ObjectMapper JSON = new ObjectMapper();
  static final Instant NOW = Instant.parse("2026-11-20T12:00:00Z");
  static OnnxModel model;
  static Binding binding;

  @BeforeAll
  static void load() throws Exception {
    model = ModelLoader.load(DIR.resolve("model.json"), JSON, OrtEnvironment.getEnvironment(), 1);
    binding = JSON.readValue(DIR.resolve("binding.json").toFile(), Binding.class);
  }

  @AfterAll
  static void close() throws Exception {
    model.close();
  }

  // ---- van Walraven 2010, Table 3, transcribed by hand.
  static int l(int days) {
    if (days < 1) return 0;
    if (days <= 3) return days;
    if (days <= 6) return 4;
    if (days <= 13) return 5;
    return 7;
  }

  static int a(int emergent) {
    return emergent == 1 ? 3 : 0;
  }

  static int c(int charlson) {
    return charlson >= 4 ? 5 : charlson;
  }

  static int e(int visits) {
    return Math.min(visits, 4);
  }

  @Test
  void reproducesThePublishedExample() {
    // LOS 5 days, emergent, Charlson 5, 2 ED visits → 4 + 3 + 5 + 2 = 14 (high).
    OnnxModel.Scores s = model.predictWithItems(new float[] {5, 1, 5, 2});
    assertEquals(14, s.totals()[0], 1e-6);
    assertArrayEquals(new float[] {4, 3, 5, 2}, s.items()[0], 1e-6f);
    assertEquals("high", model.descriptor().bandOf(14).code());
  }

  @Test
  void everyCombinationMatchesTheTranscription() {
    List<int[]> rows = new ArrayList<>();
    for (int los = 0; los <= 30; los++) {
      for (int acute = 0; acute <= 1; acute++) {
        for (int ch = 0; ch <= 8; ch++) {
          for (int ed = 0; ed <= 6; ed++) {
            rows.add(new int[] {los, acute, ch, ed});
          }
        }
      }
    }
    float[] batch = new float[rows.size() * 4];
    for (int r = 0; r < rows.size(); r++) {
      for (int i = 0; i < 4; i++) {
        batch[r * 4 + i] = rows.get(r)[i];
      }
    }
    OnnxModel.Scores s = model.predictWithItems(batch);
    for (int r = 0; r < rows.size(); r++) {
      int[] x = rows.get(r);
      int total = l(x[0]) + a(x[1]) + c(x[2]) + e(x[3]);
      assertEquals(total, s.totals()[r], 1e-6, java.util.Arrays.toString(x));
      String band = total < 5 ? "low" : total < 10 ? "moderate" : "high";
      assertEquals(band, model.descriptor().bandOf(total).code());
    }
    assertEquals(19, s.totals()[rows.size() - 1], 1e-6, "the maximum is 19");
  }

  @Test
  void theServedGraphIsTheOneCompiledFromModelJson() throws Exception {
    assertArrayEquals(
        PointScoreGraphBuilder.build(model.descriptor()),
        Files.readAllBytes(DIR.resolve(model.descriptor().artifact())));
  }

  // ---- FHIR inputs

  @Test
  void charlsonCountsEachCategoryOnceAndOnlyTheHeaviestOfAGroup() {
    Extraction x =
        extract(
            admission("2026-11-15", "2026-11-20", "EM"),
            icd("c1", "I50.9"), // heart failure 1
            icd("c2", "I21.4"), // myocardial infarction 1
            icd("c3", "I25.2"), // old MI: same category, counted once
            icd("c4", "E11.9"), // diabetes without complications 1 …
            icd("c5", "E11.22"), // … superseded by diabetes with complications 2
            icd("c6", "K70.30"), // mild liver disease 1 …
            icd("c7", "K72.10"), // … superseded by moderate/severe liver disease 3
            icd("c8", "C18.7"), // any malignancy 2 …
            icd("c9", "C78.7"), // … superseded by metastatic solid tumour 6
            icd("c10", "N184"), // renal disease 2, dotless ICD-10-CM
            snomed("c11", "44054006")); // SNOMED-only diabetes: not counted, said so
    assertEquals(1 + 1 + 2 + 3 + 6 + 2, x.feature("charlson").value());
    assertTrue(x.feature("charlson").original().contains("metastatic solid tumour 6"));
    assertTrue(x.notes().stream().anyMatch(n -> n.contains("without an ICD-10 code")));
  }

  @Test
  void lengthOfStayAcuityAndEmergencyVisitsComeFromTheEncounters() {
    Extraction x =
        extract(
            admission("2026-11-15", "2026-11-20", "EM"),
            emergencyVisit("ed1", "2026-10-01"),
            emergencyVisit("ed2", "2026-06-01"),
            emergencyVisit("ed3", "2026-04-01"), // more than 182 days before admission
            ambulatory("amb1", "2026-09-01"));
    assertEquals(5, x.feature("lengthOfStay").value());
    assertEquals(1, x.feature("acute").value());
    assertEquals(2, x.feature("edVisits").value());
    assertEquals(0, x.feature("charlson").value());
  }

  @Test
  void anElectiveAdmissionScoresNoAcuityAndAMissingPriorityIsSaid() {
    assertEquals(0, extract(admission("2026-11-19", "2026-11-20", "R")).feature("acute").value());
    Extraction unknown = extract(admission("2026-11-19", "2026-11-20", null));
    assertEquals(0, unknown.feature("acute").value());
    assertTrue(unknown.feature("acute").note().contains("scored as an elective admission"));
  }

  static Extraction extract(Resource... resources) {
    Patient p = new Patient();
    p.setId("p");
    p.setBirthDateElement(new DateType("1950-01-01"));
    return new BindingExtractor(new UnitConverter())
        .extract(
            model.descriptor(),
            binding,
            new PatientData(p, List.of(resources), new ArrayList<>(), Map.of(), "adm"),
            NOW);
  }

  static Encounter admission(String start, String end, String priority) {
    Encounter e = encounter("adm", "IMP", start);
    e.getPeriod().setEnd(Date.from(Instant.parse(end + "T10:00:00Z")));
    if (priority != null) {
      e.setPriority(
          new CodeableConcept(
              new Coding("http://terminology.hl7.org/CodeSystem/v3-ActPriority", priority, null)));
    }
    return e;
  }

  static Encounter emergencyVisit(String id, String start) {
    return encounter(id, "EMER", start);
  }

  static Encounter ambulatory(String id, String start) {
    return encounter(id, "AMB", start);
  }

  static Encounter encounter(String id, String cls, String start) {
    Encounter e = new Encounter();
    e.setId(id);
    e.setStatus(Encounter.EncounterStatus.FINISHED);
    e.setClass_(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", cls, null));
    e.setSubject(new Reference("Patient/p"));
    e.setPeriod(new Period().setStart(Date.from(Instant.parse(start + "T08:00:00Z"))));
    return e;
  }

  static Condition icd(String id, String code) {
    return condition(id, "http://hl7.org/fhir/sid/icd-10-cm", code);
  }

  static Condition snomed(String id, String code) {
    return condition(id, "http://snomed.info/sct", code);
  }

  static Condition condition(String id, String system, String code) {
    Condition c = new Condition();
    c.setId(id);
    c.setSubject(new Reference("Patient/p"));
    c.setCode(new CodeableConcept(new Coding(system, code, null)));
    return c;
  }
}
