package dev.clarion.binding;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.LocalDate;
import java.time.Period;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Patient;

/**
 * Who the patient is, for subgroup monitoring — whatever the model: every decision records this,
 * read from the Patient resource, so models without age, sex or race inputs (LACE, NEWS2) still
 * have subgroups. Coarse on purpose (an age band, not a birth date): the record needs the group,
 * not the person.
 *
 * @param ageBand age on the day of the decision in the bands monitoring reports ({@code <18},
 *     {@code 18–39}, {@code 40–49} … {@code 70–79}, {@code 80+}); null without a birth date
 * @param sex {@code Patient.gender} (FHIR administrative gender code); null when not recorded
 * @param race the US Core race extension's OMB category in words, {@code "More than one race"} when
 *     several are recorded, or the null-flavor's words (e.g. "Asked but no answer"); null when
 *     there is no race extension
 * @param ethnicity the US Core ethnicity extension's OMB category in words; null when none
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Demographics(String ageBand, String sex, String race, String ethnicity) {

  static final String US_CORE_RACE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race";
  static final String US_CORE_ETHNICITY =
      "http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity";

  /** The OMB race and ethnicity categories (CDC Race & Ethnicity code system) and null flavors. */
  private static final Map<String, String> WORDS =
      Map.ofEntries(
          Map.entry("1002-5", "American Indian or Alaska Native"),
          Map.entry("2028-9", "Asian"),
          Map.entry("2054-5", "Black or African American"),
          Map.entry("2076-8", "Native Hawaiian or Other Pacific Islander"),
          Map.entry("2106-3", "White"),
          Map.entry("2135-2", "Hispanic or Latino"),
          Map.entry("2186-5", "Not Hispanic or Latino"),
          Map.entry("UNK", "Unknown"),
          Map.entry("ASKU", "Asked but no answer"));

  /** The demographics of {@code patient} on {@code day}; all null without a Patient. */
  public static Demographics of(Patient patient, LocalDate day) {
    if (patient == null) {
      return new Demographics(null, null, null, null);
    }
    OptionalInt age = ageAt(patient, day);
    return new Demographics(
        age.isPresent() ? ageBand(age.getAsInt()) : null,
        patient.hasGender() ? patient.getGender().toCode() : null,
        category(patient, US_CORE_RACE, "More than one race"),
        category(patient, US_CORE_ETHNICITY, "More than one ethnicity"));
  }

  /** Whole years from Patient.birthDate to {@code day}; partial dates count from their start. */
  public static OptionalInt ageAt(Patient patient, LocalDate day) {
    if (patient == null || !patient.hasBirthDate()) {
      return OptionalInt.empty();
    }
    var dob = patient.getBirthDateElement();
    LocalDate born =
        LocalDate.of(
            dob.getYear(),
            dob.getMonth() == null ? 1 : dob.getMonth() + 1,
            dob.getDay() == null ? 1 : dob.getDay());
    return OptionalInt.of(Period.between(born, day).getYears());
  }

  /** The band of an age in whole years. */
  public static String ageBand(double age) {
    if (age < 18) {
      return "<18";
    }
    if (age < 40) {
      return "18–39";
    }
    if (age >= 80) {
      return "80+";
    }
    int lo = (int) (age / 10) * 10;
    return lo + "–" + (lo + 9);
  }

  private static String category(Patient patient, String url, String several) {
    // A category without a code says nothing a group can be made of.
    List<Coding> found =
        PatientInputs.ombCategories(patient, url).stream().filter(Coding::hasCode).toList();
    if (found.isEmpty()) {
      return null;
    }
    if (found.size() > 1) {
      return several;
    }
    Coding c = found.get(0);
    String words = WORDS.get(c.getCode());
    return words != null ? words : c.hasDisplay() ? c.getDisplay() : c.getCode();
  }

  /** Whether nothing is known (a call without a Patient). */
  public boolean empty() {
    return ageBand == null && sex == null && race == null && ethnicity == null;
  }

  static List<Extension> extensions(Patient patient, String url) {
    return patient.getExtension().stream().filter(e -> url.equals(e.getUrl())).toList();
  }
}
