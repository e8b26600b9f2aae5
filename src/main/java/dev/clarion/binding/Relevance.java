package dev.clarion.binding;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clarion.binding.Binding.CodeSet;
import dev.clarion.binding.Binding.Input;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Cheap pre-selection on raw JSON: which resources of a patient's record can contribute to a
 * binding. Resources that cannot (most of a record) are never parsed — HAPI parsing is the dearest
 * step of a call. Errs on the side of "yes": a resource type the binding reads without a code (an
 * Encounter, a MedicationRequest whose medication may be a reference) always passes, and what
 * passes is still judged by the extractor after parsing.
 *
 * <p>Built once per binding (the catalogue keeps it beside the binding): per resource type, either
 * every resource, or those with a coding in one of the code sets the binding reads that type with.
 * Immutable and thread-safe.
 */
public final class Relevance {

  /** Every resource of the type, or those with a coding in one of {@code sets}. */
  private record Rule(boolean all, List<CodeSet> sets) {}

  private final Map<String, Rule> byType;

  private Relevance(Map<String, Rule> byType) {
    this.byType = Map.copyOf(byType);
  }

  public static Relevance of(Binding binding) {
    Builder rules = new Builder();
    rules.all("Patient");
    List<Input> all = new ArrayList<>(binding.inputs().values());
    if (binding.recorded() != null) {
      all.addAll(binding.recorded().values());
    }
    for (Input bound : all) {
      if (bound.creatinine() != null) {
        rules.codes("Observation", bound.creatinine().match());
      }
      Input input = bound.observed();
      String type = input.source().resourceType();
      if (input.match() == null) {
        rules.all(type); // Encounters, and Conditions for the Charlson index: decided after parsing
      } else {
        rules.codes(type, input.match());
        rules.codes(type, input.componentOf());
      }
      if (input.source() == Binding.Source.MEDICATION_REQUEST) {
        // The medication may be a reference or contained: decided after parsing.
        rules.all("MedicationRequest");
        rules.all("Medication");
      }
    }
    if (binding.exclusions() != null) {
      for (Binding.Exclusion exclusion : binding.exclusions()) {
        rules.codes(exclusion.source().resourceType(), exclusion.match());
      }
    }
    return new Relevance(rules.byType);
  }

  /** Can this resource (as JSON) contribute? */
  public boolean test(JsonNode resource) {
    Rule rule = byType.get(resource.path("resourceType").asText());
    if (rule == null) {
      return false;
    }
    if (rule.all()) {
      return true;
    }
    for (JsonNode coding : resource.path("code").path("coding")) {
      String system = coding.path("system").asText(null);
      String code = coding.path("code").asText(null);
      for (CodeSet set : rule.sets()) {
        if (set.matches(system, code)) {
          return true;
        }
      }
    }
    return false;
  }

  private static final class Builder {
    private final Map<String, Rule> byType = new HashMap<>();

    void all(String type) {
      byType.put(type, new Rule(true, List.of()));
    }

    void codes(String type, CodeSet set) {
      if (set == null) {
        return;
      }
      Rule rule = byType.get(type);
      if (rule == null) {
        byType.put(type, new Rule(false, List.of(set)));
      } else if (!rule.all() && rule.sets().stream().noneMatch(s -> s == set)) {
        List<CodeSet> sets = new ArrayList<>(rule.sets());
        sets.add(set);
        byType.put(type, new Rule(false, List.copyOf(sets)));
      }
    }
  }
}
