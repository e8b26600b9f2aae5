package dev.clarion.binding;

import dev.clarion.binding.Binding.Input;
import dev.clarion.binding.FeatureValue.Status;
import dev.clarion.fhir.PatientData;
import dev.clarion.terminology.CodeMatch;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Resource;

/**
 * Inputs read from medication orders: whether a drug of a value set is ordered (antihypertensive
 * treatment), or which of several value sets it falls in (statin intensity). An order counts in the
 * statuses its binding names (active by default); its drug is its code, its Medication's code
 * (resolved, contained or in the prefetch), or a systemic Medication's active ingredient.
 * Stateless.
 */
final class MedicationInputs {

  private static final Pattern NON_SYSTEMIC =
      Pattern.compile("\\b(ophthalmic|otic|topical|nasal|vaginal|rectal|irrigation|cutaneous)\\b");

  private MedicationInputs() {}

  /** The first counted order that matches, or the binding's "absent" value. */
  static FeatureValue ordered(String name, Input input, PatientData data) {
    return ordered(
        name, input, data, input.statuses() == null ? List.of("active") : input.statuses());
  }

  /**
   * The same test on orders being selected (order-select's draft orders, whatever their status):
   * the first that matches, or null when none does.
   */
  static FeatureValue selected(String name, Input input, List<MedicationRequest> drafts) {
    FeatureValue v =
        ordered(
            name,
            input,
            new PatientData(null, List.copyOf(drafts), List.of(), Map.of(), null),
            null);
    return v.status() == Status.OBSERVED ? v : null;
  }

  /** The first order in one of {@code statuses} (null: any) that matches, else "absent". */
  private static FeatureValue ordered(
      String name, Input input, PatientData data, List<String> statuses) {
    for (MedicationRequest m : data.all(MedicationRequest.class)) {
      if (statuses != null
          && (m.getStatus() == null || !statuses.contains(m.getStatus().toCode()))) {
        continue;
      }
      Medication resource = medicationResource(m, data);
      CodeableConcept med =
          m.hasMedicationCodeableConcept()
              ? m.getMedicationCodeableConcept()
              : resource == null ? null : resource.getCode();
      Optional<CodeMatch> hit = Concepts.match(med, input.match());
      if (hit.isEmpty() && resource != null) {
        hit = ingredient(resource, input.match());
      }
      if (hit.isPresent()) {
        Double value = input.present();
        String note = null;
        if (input.answers() != null) {
          // Levels by value set (e.g. statin intensity): the value set that matched decides.
          String url = hit.get().valueSet() == null ? "" : hit.get().valueSet().split("\\|")[0];
          value = input.answers().get(url);
          if (value == null) {
            continue; // matched a set the levels do not name: look for another order
          }
          note = hit.get().valueSetTitle();
        }
        return new FeatureValue(
            name,
            value,
            input.unit(),
            med == null || med.isEmpty() ? "a medication" : Concepts.display(med),
            PatientData.reference(m),
            m.hasAuthoredOn() ? m.getAuthoredOnElement().getValueAsString() : null,
            Status.OBSERVED,
            false,
            note,
            hit.get());
      }
    }
    return FeatureValue.absent(name, input);
  }

  /**
   * A Medication's active ingredients, when its own code did not match (a branded product, a local
   * code). Not for a Medication whose name or form says it is not systemic: timolol eye drops are
   * not antihypertensive treatment although timolol is a beta-blocker ingredient.
   */
  private static Optional<CodeMatch> ingredient(Medication medication, Binding.CodeSet set) {
    if (NON_SYSTEMIC
        .matcher(Concepts.names(medication.getCode()) + Concepts.names(medication.getForm()))
        .find()) {
      return Optional.empty();
    }
    for (Medication.MedicationIngredientComponent i : medication.getIngredient()) {
      if (i.hasItemCodeableConcept() && (!i.hasIsActive() || i.getIsActive())) {
        Optional<CodeMatch> hit = Concepts.match(i.getItemCodeableConcept(), set);
        if (hit.isPresent()) {
          return Optional.of(hit.get().throughIngredient());
        }
      }
    }
    return Optional.empty();
  }

  /** The order's Medication: resolved, contained, or in the same prefetch by reference. */
  private static Medication medicationResource(MedicationRequest m, PatientData data) {
    if (!m.hasMedicationReference()) {
      return null;
    }
    if (m.getMedicationReference().getResource() instanceof Medication med) {
      return med;
    }
    String ref = m.getMedicationReference().getReference();
    if (ref == null) {
      return null;
    }
    for (Resource contained : m.getContained()) {
      if (contained instanceof Medication med && ref.equals("#" + contained.getIdPart())) {
        return med;
      }
    }
    for (Medication med : data.all(Medication.class)) {
      if (med.getIdElement().getIdPart() != null
          && ref.endsWith("Medication/" + med.getIdElement().getIdPart())) {
        return med;
      }
    }
    return null;
  }
}
