package dev.clarion.binding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.binding.FeatureValue.Status;
import dev.clarion.fhir.PatientData;
import dev.clarion.model.ModelDescriptor;
import dev.clarion.terminology.CodeMatch;
import dev.clarion.terminology.ValueSetLibrary;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;

/** The ascvd-pce binding applied to hand-made FHIR data: what real records do. */
class BindingExtractorTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final BindingExtractor EXTRACTOR = new BindingExtractor(new UnitConverter());
  static final Binding BINDING;
  static final ModelDescriptor MODEL;

  static {
    try {
      MODEL =
          JSON.readValue(Path.of("models/ascvd-pce/model.json").toFile(), ModelDescriptor.class);
      BINDING =
          Bindings.load(
              Path.of("models/ascvd-pce/binding.json"),
              MODEL,
              new UnitConverter(),
              ValueSetLibrary.load(Path.of("models/value-sets"), JSON));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static final LocalDate TODAY = LocalDate.of(2026, 11, 25);

  @Test
  void takesSystolicBpFromTheLatestPanelComponent() {
    Extraction x =
        extract(
            bpPanel("old", "85354-9", "2025-01-01", 150),
            bpPanel("new", "55284-4", "2026-10-01", 128));
    FeatureValue sbp = x.feature("systolicBp");
    assertEquals(128, sbp.value());
    assertEquals("Observation/new", sbp.source());
    assertEquals("2026-10-01", sbp.date());
    assertFalse(sbp.stale());
  }

  @Test
  void ignoresEnteredInErrorAndCancelledResults() {
    Observation wrong = lab("err", "2093-3", "2026-11-01", 400, "mg/dL");
    wrong.setStatus(Observation.ObservationStatus.ENTEREDINERROR);
    Observation cancelled = lab("cxl", "2093-3", "2026-11-02", 390, "mg/dL");
    cancelled.setStatus(Observation.ObservationStatus.CANCELLED);
    Extraction x = extract(wrong, cancelled, lab("ok", "2093-3", "2020-01-01", 190, "mg/dL"));
    assertEquals(190, x.feature("totalCholesterol").value());
    assertTrue(x.feature("totalCholesterol").stale(), "older than 5 years");
  }

  @Test
  void convertsMmolPerLitreAndSkipsUnknownUnits() {
    Extraction x =
        extract(
            lab("hdl-mass", "2085-9", "2026-11-01", 50, "mg"),
            lab("hdl-mmol", "2085-9", "2026-10-01", 1.3, "mmol/L"));
    assertEquals(1.3 * 38.67, x.feature("hdl").value(), 1e-9);
    assertEquals("1.3 mmol/L = 50 mg/dL", x.feature("hdl").original());
    assertTrue(x.notes().stream().anyMatch(n -> n.contains("unsupported unit 'mg'")));
  }

  @Test
  void convertsWithUcumWhereNoMolarMassIsNeeded() {
    // g/L → mg/dL is a plain UCUM conversion (× 100).
    Extraction x = extract(lab("hdl-g", "2085-9", "2026-11-01", 0.52, "g/L"));
    assertEquals(52, x.feature("hdl").value(), 1e-9);
  }

  @Test
  void ignoresImplausibleValues() {
    Extraction x =
        extract(
            lab("typo", "2093-3", "2026-11-01", 2130, "mg/dL"),
            lab("ok", "2093-3", "2026-06-01", 213, "mg/dL"));
    assertEquals(213, x.feature("totalCholesterol").value());
    assertTrue(
        x.notes().stream()
            .anyMatch(n -> n.contains("implausible totalCholesterol value (2130 mg/dL)")));
  }

  @Test
  void refutedDiabetesDoesNotCountButIcd10DiabetesDoes() {
    Condition refuted = condition("c1", "http://snomed.info/sct", "44054006");
    refuted.getVerificationStatus().addCoding().setCode("refuted");
    assertEquals(0, extract(refuted).feature("diabetes").value());
    Condition icd = condition("c2", "http://hl7.org/fhir/sid/icd-10-cm", "E11.9");
    FeatureValue dm = extract(icd).feature("diabetes");
    assertEquals(1, dm.value());
    assertEquals("Condition/c2", dm.source());
  }

  @Test
  void resolvedMyocardialInfarctionStillExcludes() {
    Condition mi = condition("mi", "http://hl7.org/fhir/sid/icd-10-cm", "I21.4");
    mi.getClinicalStatus().addCoding().setCode("resolved");
    Extraction x = extract(mi);
    assertEquals(1, x.exclusions().size());
    assertTrue(x.exclusions().get(0).startsWith("ASCVD history: "), x.exclusions().get(0));
    assertEquals("Condition/mi", x.excludedBy().get(0).source());
    assertTrue(x.excludedBy().get(0).matchedBy() != null, "the match is recorded");
  }

  @Test
  void onlyActiveAntihypertensiveOrdersCountAsTreatment() {
    MedicationRequest stopped =
        med("m1", "314076", MedicationRequest.MedicationRequestStatus.STOPPED);
    assertEquals(0, extract(stopped).feature("bpTreated").value());
    MedicationRequest active =
        med("m2", "314076", MedicationRequest.MedicationRequestStatus.ACTIVE);
    assertEquals(1, extract(active).feature("bpTreated").value());
  }

  /** An order for a Medication whose own code is local: its active ingredients decide. */
  static MedicationRequest orderOf(Medication medication, boolean contained) {
    MedicationRequest m = new MedicationRequest();
    m.setId("mr-" + medication.getIdElement().getIdPart());
    m.setStatus(MedicationRequest.MedicationRequestStatus.ACTIVE);
    m.setSubject(new Reference("Patient/p"));
    if (contained) {
      m.addContained(medication);
      m.setMedication(new Reference("#" + medication.getIdElement().getIdPart()));
    } else {
      m.setMedication(new Reference("Medication/" + medication.getIdElement().getIdPart()));
    }
    return m;
  }

  static Medication medication(String id, String name, String form, String ingredient) {
    Medication med = new Medication();
    med.setId(id);
    med.setCode(new CodeableConcept(new Coding("urn:oid:1.2.3.4.5", "local-" + id, name)));
    if (form != null) {
      med.setForm(new CodeableConcept().setText(form));
    }
    med.addIngredient()
        .setIsActive(true)
        .setItem(
            new CodeableConcept(
                new Coding("http://www.nlm.nih.gov/research/umls/rxnorm", ingredient, null)));
    return med;
  }

  @Test
  void aMedicationIsRecognisedByItsActiveIngredientContainedOrInThePrefetch() {
    Medication lisinopril = medication("zestril", "Zestril 10 mg tab", "Oral Tablet", "29046");
    FeatureValue contained = extract(orderOf(lisinopril, true)).feature("bpTreated");
    assertEquals(1, contained.value());
    assertEquals(CodeMatch.Via.INGREDIENT, contained.matchedBy().via());
    assertEquals("29046", contained.matchedBy().code());
    // Referenced, with the Medication elsewhere in the prefetch.
    Medication amlodipine = medication("norvasc", "Norvasc 5 mg", null, "17767");
    assertEquals(1, extract(orderOf(amlodipine, false), amlodipine).feature("bpTreated").value());
  }

  @Test
  void anEyeDropIsNotAntihypertensiveTreatmentThroughItsIngredient() {
    // Timolol is in the published beta-blocker ingredient set; as eye drops it treats glaucoma.
    Medication drops = medication("timoptic", "Timoptic 0.5 %", "Ophthalmic Solution", "10600");
    assertEquals(0, extract(orderOf(drops, true)).feature("bpTreated").value());
    Medication tablet = medication("blocadren", "Blocadren 10 mg", "Oral Tablet", "10600");
    assertEquals(1, extract(orderOf(tablet, true)).feature("bpTreated").value());
  }

  @Test
  void smokingStatusThatDoesNotSayIsMissing() {
    Observation unknown = new Observation();
    unknown.setId("s1");
    unknown.setStatus(Observation.ObservationStatus.FINAL);
    unknown.getCode().addCoding(new Coding("http://loinc.org", "72166-2", null));
    unknown.setValue(
        new CodeableConcept(
            new Coding("http://snomed.info/sct", "266927001", "Unknown if ever smoked")));
    unknown.setEffective(new DateTimeType("2026-10-01"));
    unknown.setSubject(new Reference("Patient/p"));
    FeatureValue smoker = extract(unknown).feature("smoker");
    assertEquals(Status.MISSING, smoker.status());
    assertNull(smoker.value());
  }

  @Test
  void raceSelectsTheAfricanAmericanEquationInEitherRaceCodeSystem() {
    for (String system :
        new String[] {
          "urn:oid:2.16.840.1.113883.6.238", "http://terminology.hl7.org/CodeSystem/v3-Race"
        }) {
      Patient patient = new Patient();
      patient.setId("p");
      patient.setGender(AdministrativeGender.MALE);
      patient.setBirthDateElement(new org.hl7.fhir.r4.model.DateType("1970-05-01"));
      patient
          .addExtension()
          .setUrl("http://hl7.org/fhir/us/core/StructureDefinition/us-core-race")
          .addExtension("ombCategory", new Coding(system, "2054-5", "Black or African American"));
      Extraction x =
          EXTRACTOR.extract(
              MODEL,
              BINDING,
              new PatientData(patient, List.of(), new ArrayList<>(), java.util.Map.of(), null),
              TODAY);
      assertEquals(1, x.feature("africanAmerican").value(), system);
      assertNull(x.feature("africanAmerican").note(), system);
    }
  }

  @Test
  void unrecordedRaceUsesTheWhiteEquationsWithAVisibleNote() {
    FeatureValue race = extract().feature("africanAmerican");
    assertEquals(0, race.value());
    assertEquals(Status.ABSENT, race.status());
    assertTrue(race.note().startsWith("Race not recorded"));
  }

  @Test
  void preselectsOnlyResourcesThatCanContribute() throws Exception {
    Relevance relevance = Relevance.of(BINDING);
    assertTrue(
        relevance.test(
            JSON.readTree(
                "{\"resourceType\":\"Condition\",\"code\":{\"coding\":[{\"system\":\"http://hl7.org/fhir/sid/icd-10-cm\",\"code\":\"E11.9\"}]}}")));
    assertTrue(
        relevance.test(
            JSON.readTree(
                "{\"resourceType\":\"Observation\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"85354-9\"}]}}")));
    assertFalse(
        relevance.test(
            JSON.readTree(
                "{\"resourceType\":\"Condition\",\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"66383009\"}]}}")));
    assertFalse(
        relevance.test(
            JSON.readTree(
                "{\"resourceType\":\"Observation\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8302-2\"}]}}")));
    assertFalse(relevance.test(JSON.readTree("{\"resourceType\":\"Encounter\"}")));
  }

  private static Extraction extract(Resource... resources) {
    Patient patient = new Patient();
    patient.setId("p");
    patient.setGender(AdministrativeGender.FEMALE);
    patient.setBirthDateElement(new org.hl7.fhir.r4.model.DateType("1970-05-01"));
    return EXTRACTOR.extract(
        MODEL,
        BINDING,
        new PatientData(patient, List.of(resources), new ArrayList<>(), java.util.Map.of(), null),
        TODAY);
  }

  private static Observation lab(String id, String loinc, String date, double value, String unit) {
    Observation o = new Observation();
    o.setId(id);
    o.setStatus(Observation.ObservationStatus.FINAL);
    o.getCode().addCoding(new Coding("http://loinc.org", loinc, null));
    o.setValue(new Quantity().setValue(value).setUnit(unit).setCode(unit));
    o.setEffective(new DateTimeType(date));
    o.setSubject(new Reference("Patient/p"));
    return o;
  }

  private static Observation bpPanel(String id, String panel, String date, double sbp) {
    Observation o = new Observation();
    o.setId(id);
    o.setStatus(Observation.ObservationStatus.FINAL);
    o.getCode().addCoding(new Coding("http://loinc.org", panel, null));
    o.addComponent()
        .setCode(new CodeableConcept(new Coding("http://loinc.org", "8480-6", null)))
        .setValue(new Quantity().setValue(sbp).setCode("mm[Hg]"));
    o.setEffective(new DateTimeType(date));
    o.setSubject(new Reference("Patient/p"));
    return o;
  }

  private static Condition condition(String id, String system, String code) {
    Condition c = new Condition();
    c.setId(id);
    c.setCode(new CodeableConcept(new Coding(system, code, "display " + code)));
    c.setSubject(new Reference("Patient/p"));
    return c;
  }

  private static MedicationRequest med(
      String id, String rxnorm, MedicationRequest.MedicationRequestStatus status) {
    MedicationRequest m = new MedicationRequest();
    m.setId(id);
    m.setStatus(status);
    m.setMedication(
        new CodeableConcept(
            new Coding("http://www.nlm.nih.gov/research/umls/rxnorm", rxnorm, "lisinopril 10 MG")));
    m.setSubject(new Reference("Patient/p"));
    return m;
  }
}
