package dev.clarion.binding;

import static dev.clarion.binding.FeatureValue.missing;
import static dev.clarion.binding.FeatureValue.observed;

import dev.clarion.binding.Binding.Input;
import dev.clarion.binding.FeatureValue.Status;
import dev.clarion.fhir.PatientData;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Patient;

/**
 * Inputs read from the Patient resource: age (from the birth date), administrative gender, and the
 * US Core race extension's OMB category. Stateless.
 */
final class PatientInputs {

  private PatientInputs() {}

  static FeatureValue age(String name, Input input, Patient patient, LocalDate today) {
    if (Demographics.ageAt(patient, today).isEmpty()) {
      return missing(name, input, null);
    }
    var dob = patient.getBirthDateElement();
    return observed(
        name,
        (double) Demographics.ageAt(patient, today).getAsInt(),
        input.unit(),
        "born " + dob.getValueAsString(),
        PatientData.reference(patient),
        null,
        false,
        null);
  }

  static FeatureValue gender(String name, Input input, Patient patient) {
    String code =
        patient == null || patient.getGender() == null ? null : patient.getGender().toCode();
    Double value = code == null ? null : input.answers().get(code);
    if (value == null) {
      return missing(name, input, code);
    }
    return observed(name, value, "1", code, PatientData.reference(patient), null, false, null);
  }

  static FeatureValue race(String name, Input input, Patient patient, List<String> notes) {
    Optional<Coding> race =
        patient == null
            ? Optional.empty()
            : ombCategories(patient, Demographics.US_CORE_RACE).stream().findFirst();
    if (race.isEmpty()) {
      FeatureValue v = missing(name, input, null);
      if (v.note() != null && v.status() == Status.ABSENT) {
        notes.add(v.note());
      }
      return v;
    }
    Coding c = race.get();
    String shown = c.hasDisplay() ? c.getDisplay() : c.getCode();
    Double value = input.answers().get(c.getSystem() + "|" + c.getCode());
    String note = null;
    if (value == null) {
      if (input.otherwise() == null) {
        return missing(name, input, shown);
      }
      value = input.otherwise();
      note = input.otherwiseNote() == null ? null : String.format(input.otherwiseNote(), shown);
      if (note != null) {
        notes.add(note);
      }
    }
    return observed(name, value, "1", shown, PatientData.reference(patient), null, false, note);
  }

  /** The {@code ombCategory} codings of the patient's US Core race or ethnicity extension. */
  static List<Coding> ombCategories(Patient patient, String url) {
    List<Coding> out = new ArrayList<>();
    for (Extension ext : Demographics.extensions(patient, url)) {
      for (Extension part : ext.getExtension()) {
        if ("ombCategory".equals(part.getUrl()) && part.getValue() instanceof Coding c) {
          out.add(c);
        }
      }
    }
    return out;
  }
}
