package dev.clarion.binding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDate;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;

/**
 * The demographics every decision records for subgroup monitoring, read from the Patient: US Core
 * 6.1.0 race and ethnicity extensions (OMB categories, CDC Race & Ethnicity code system, or a null
 * flavor), administrative gender, and the age band on the day of the decision.
 */
class DemographicsTest {

  static final LocalDate DAY = LocalDate.of(2026, 12, 3);
  static final String OMB = "urn:oid:2.16.840.1.113883.6.238";

  static Patient patient(String birthDate) {
    Patient p = new Patient();
    if (birthDate != null) {
      p.setBirthDateElement(new DateType(birthDate));
    }
    return p;
  }

  static Patient withCategories(Patient p, String url, String... codes) {
    Extension ext = p.addExtension().setUrl(url);
    for (String code : codes) {
      Coding c =
          code.equals("UNK") || code.equals("ASKU")
              ? new Coding("http://terminology.hl7.org/CodeSystem/v3-NullFlavor", code, null)
              : new Coding(OMB, code, null);
      ext.addExtension("ombCategory", c);
    }
    ext.addExtension("text", new StringType("as the patient said"));
    return p;
  }

  @Test
  void oneRaceAndOneEthnicityInTheirOmbWords() {
    Patient p = patient("1968-04-07").setGender(AdministrativeGender.FEMALE);
    withCategories(p, Demographics.US_CORE_RACE, "2028-9");
    withCategories(p, Demographics.US_CORE_ETHNICITY, "2135-2");
    Demographics d = Demographics.of(p, DAY);
    assertEquals(new Demographics("50–59", "female", "Asian", "Hispanic or Latino"), d);
  }

  @Test
  void severalRaceCategoriesAreMoreThanOneRace() {
    Patient p =
        withCategories(patient("1990-01-01"), Demographics.US_CORE_RACE, "2106-3", "2054-5");
    assertEquals("More than one race", Demographics.of(p, DAY).race());
  }

  @Test
  void aNullFlavorIsKeptInWordsAndNoExtensionIsNotRecorded() {
    Patient asked = withCategories(patient(null), Demographics.US_CORE_RACE, "ASKU");
    Demographics d = Demographics.of(asked, DAY);
    assertEquals("Asked but no answer", d.race());
    assertNull(d.ethnicity(), "no ethnicity extension");
    assertNull(d.ageBand(), "no birth date");
    assertNull(d.sex(), "no gender");
  }

  @Test
  void aCategoryWithoutACodeIsNotRecorded() {
    Patient p = patient("1990-01-01");
    p.addExtension()
        .setUrl(Demographics.US_CORE_RACE)
        .addExtension("ombCategory", new Coding().setSystem(OMB).setDisplay("White"));
    assertNull(Demographics.of(p, DAY).race(), "found by the fuzz test: a coding with no code");
  }

  @Test
  void noPatientIsEmpty() {
    assertTrue(Demographics.of(null, DAY).empty());
  }

  @Test
  void ageBandsOnTheDayOfTheDecision() {
    assertEquals("<18", Demographics.of(patient("2008-12-04"), DAY).ageBand(), "17 the day before");
    assertEquals("18–39", Demographics.of(patient("2008-12-03"), DAY).ageBand(), "18 that day");
    assertEquals("18–39", Demographics.ageBand(39.9));
    assertEquals("40–49", Demographics.ageBand(40));
    assertEquals("70–79", Demographics.ageBand(79));
    assertEquals("80+", Demographics.ageBand(80));
    // A year-only birth date counts from 1 January.
    assertEquals("50–59", Demographics.of(patient("1967"), DAY).ageBand());
  }
}
