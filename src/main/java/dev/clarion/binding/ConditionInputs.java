package dev.clarion.binding;

import dev.clarion.binding.Binding.Input;
import dev.clarion.binding.FeatureValue.Status;
import dev.clarion.fhir.PatientData;
import dev.clarion.terminology.CodeMatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.Condition;

/**
 * Inputs and exclusions read from Conditions: a condition's presence (diabetes, hypertension) and
 * the diagnoses that put a patient outside a model's population. Refuted and entered-in-error
 * conditions never count; an input counts only in the clinical statuses its binding names, an
 * exclusion in those its exclusion names (a resolved myocardial infarction is still history).
 * Stateless.
 */
final class ConditionInputs {

  private ConditionInputs() {}

  /** The first usable matching condition, or the binding's "absent" value. */
  static FeatureValue presence(String name, Input input, PatientData data) {
    for (Condition c : data.all(Condition.class)) {
      if (refutedOrError(c) || !hasStatus(c, input.statuses())) {
        continue;
      }
      Optional<CodeMatch> hit = Concepts.match(c.getCode(), input.match());
      if (hit.isPresent()) {
        return new FeatureValue(
            name,
            input.present(),
            input.unit(),
            Concepts.display(c.getCode()),
            PatientData.reference(c),
            c.hasOnsetDateTimeType() ? c.getOnsetDateTimeType().getValueAsString() : null,
            Status.OBSERVED,
            false,
            null,
            hit.get());
      }
    }
    return FeatureValue.absent(name, input);
  }

  /** Every condition that matches one of the binding's exclusions, in the exclusions' order. */
  static List<Extraction.Excluded> excluded(List<Binding.Exclusion> exclusions, PatientData data) {
    List<Extraction.Excluded> found = new ArrayList<>();
    for (Binding.Exclusion exclusion :
        exclusions == null ? List.<Binding.Exclusion>of() : exclusions) {
      for (Condition c : data.all(Condition.class)) {
        if (refutedOrError(c) || !hasStatus(c, exclusion.statuses())) {
          continue;
        }
        Optional<CodeMatch> hit = Concepts.match(c.getCode(), exclusion.match());
        hit.ifPresent(
            match ->
                found.add(
                    new Extraction.Excluded(
                        exclusion.reason(),
                        Concepts.display(c.getCode()),
                        PatientData.reference(c),
                        onset(c),
                        match)));
      }
    }
    return found;
  }

  static boolean refutedOrError(Condition c) {
    return c.getVerificationStatus().getCoding().stream()
        .anyMatch(x -> "refuted".equals(x.getCode()) || "entered-in-error".equals(x.getCode()));
  }

  private static boolean hasStatus(Condition c, List<String> statuses) {
    if (statuses == null || !c.hasClinicalStatus()) {
      return true;
    }
    return c.getClinicalStatus().getCoding().stream().anyMatch(x -> statuses.contains(x.getCode()));
  }

  /** The onset as an ISO date, or null when none is recorded. */
  private static String onset(Condition c) {
    if (!c.hasOnsetDateTimeType()) {
      return null;
    }
    String onset = c.getOnsetDateTimeType().getValueAsString();
    return onset.substring(0, Math.min(10, onset.length()));
  }
}
