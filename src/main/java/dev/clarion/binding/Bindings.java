package dev.clarion.binding;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.binding.Binding.Input;
import dev.clarion.binding.Binding.Source;
import dev.clarion.error.DefinitionException;
import dev.clarion.model.ModelDescriptor;
import dev.clarion.terminology.ValueSetExpansion;
import dev.clarion.terminology.ValueSetLibrary;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The FHIR bindings of the loaded models ({@code models/<id>/binding.json}). Each is read and
 * checked against its model's descriptor when the model catalogue is loaded ({@link #load}): every
 * model input is bound, units are valid UCUM and equal the model's, each source has what it needs;
 * a problem names the file and field. A binding travels with its model ({@link
 * dev.clarion.model.OnnxModel#binding()}), so a request sees the binding of the exact model version
 * it runs.
 */
public final class Bindings {

  private static final ObjectMapper READER =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private Bindings() {}

  /**
   * Reads and checks one model's binding.
   *
   * @throws DefinitionException naming the file and field of the problem
   */
  public static Binding load(
      Path file, ModelDescriptor model, UnitConverter ucum, ValueSetLibrary valueSets) {
    Binding binding = resolve(file, read(file, READER), valueSets);
    validate(file, binding, model, ucum);
    return binding;
  }

  /**
   * Loads the value sets every code set names; one that is not loaded stops the load naming the
   * binding file and field (a binding must never match less than it says).
   */
  static Binding resolve(Path file, Binding b, ValueSetLibrary valueSets) {
    if (b.inputs() == null) {
      return b;
    }
    Map<String, Input> inputs = new LinkedHashMap<>();
    b.inputs()
        .forEach(
            (name, input) ->
                inputs.put(
                    name,
                    input == null
                        ? null
                        : input.withCodeSets(
                            (field, set) ->
                                resolve(file, "inputs." + name + "." + field, set, valueSets))));
    List<Binding.Exclusion> exclusions = null;
    if (b.exclusions() != null) {
      exclusions = new ArrayList<>();
      for (int i = 0; i < b.exclusions().size(); i++) {
        Binding.Exclusion e = b.exclusions().get(i);
        exclusions.add(
            e == null || e.match() == null
                ? e
                : new Binding.Exclusion(
                    e.source(),
                    e.reason(),
                    resolve(file, "exclusions[" + i + "].match", e.match(), valueSets),
                    e.statuses()));
      }
    }
    Map<String, Input> recorded = null;
    if (b.recorded() != null) {
      recorded = new LinkedHashMap<>();
      for (Map.Entry<String, Input> r : b.recorded().entrySet()) {
        String name = r.getKey();
        recorded.put(
            name,
            r.getValue() == null
                ? null
                : r.getValue()
                    .withCodeSets(
                        (field, set) ->
                            resolve(file, "recorded." + name + "." + field, set, valueSets)));
      }
    }
    return new Binding(
        b.model(), b.description(), inputs, exclusions, b.minimumAge(), recorded, b.requires());
  }

  private static Binding.CodeSet resolve(
      Path file, String field, Binding.CodeSet set, ValueSetLibrary valueSets) {
    if (set.valueSets() == null || set.valueSets().isEmpty()) {
      return set;
    }
    List<ValueSetExpansion> loaded = new ArrayList<>();
    for (int i = 0; i < set.valueSets().size(); i++) {
      String url = set.valueSets().get(i);
      String at = field + ".valueSets[" + i + "]";
      loaded.add(
          valueSets
              .find(url == null ? "" : url)
              .orElseThrow(
                  () ->
                      new DefinitionException(
                          file,
                          at,
                          "names value set '"
                              + url
                              + "', which is not in "
                              + ValueSetLibrary.FOLDER
                              + "/ (or not in that version)")));
    }
    return set.withExpansions(loaded);
  }

  private static Binding read(Path file, ObjectMapper reader) {
    try {
      return reader.readValue(file.toFile(), Binding.class);
    } catch (IOException e) {
      throw new DefinitionException(file, "is not a valid binding: " + e.getMessage(), e);
    }
  }

  static void validate(Path file, Binding b, ModelDescriptor model, UnitConverter ucum) {
    if (!model.id().equals(b.model())) {
      throw new DefinitionException(file, "model", "must be '" + model.id() + "'");
    }
    if (b.inputs() == null) {
      throw new DefinitionException(file, "inputs", "is required");
    }
    for (String name : b.inputs().keySet()) {
      if (model.featureIndex(name) < 0) {
        throw new DefinitionException(file, "inputs." + name, "is not an input of the model");
      }
    }
    for (ModelDescriptor.Feature feature : model.features()) {
      String field = "inputs." + feature.name();
      Input input = b.inputs().get(feature.name());
      if (input == null) {
        throw new DefinitionException(file, field, "is missing: every model input must be bound");
      }
      if (input.source() == null) {
        throw new DefinitionException(file, field + ".source", "is required");
      }
      if (input.unit() != null && !input.unit().equals(feature.unit())) {
        throw new DefinitionException(
            file, field + ".unit", "must be the model's unit '" + feature.unit() + "'");
      }
      if (feature.unit() != null && ucum.isValid(feature.unit()).isPresent()) {
        throw new DefinitionException(
            file, field + ".unit", "is not valid UCUM: " + ucum.isValid(feature.unit()).get());
      }
      requireFor(file, field, input);
      if (input.missing() != null
          && !input.missing().refuses()
          && input.missing().value() == null) {
        throw new DefinitionException(
            file, field + ".missing.value", "is required with policy 'default'");
      }
      if (input.missing() != null
          && !"refuse".equals(input.missing().policy())
          && !"default".equals(input.missing().policy())) {
        throw new DefinitionException(
            file, field + ".missing.policy", "must be 'refuse' or 'default'");
      }
      if (input.aggregation() != null
          && !"latest".equals(input.aggregation().method())
          && !("mean".equals(input.aggregation().method()) && input.aggregation().last() != null)) {
        throw new DefinitionException(
            file, field + ".aggregation", "must be {method: latest} or {method: mean, last: n}");
      }
    }
    if (b.recorded() != null) {
      for (Map.Entry<String, Input> r : b.recorded().entrySet()) {
        String field = "recorded." + r.getKey();
        if (model.featureIndex(r.getKey()) >= 0) {
          throw new DefinitionException(file, field, "is a model input: bind it under inputs");
        }
        if (r.getValue() == null || r.getValue().source() == null) {
          throw new DefinitionException(file, field + ".source", "is required");
        }
        requireFor(file, field, r.getValue());
      }
    }
    if (b.requires() != null) {
      for (Map.Entry<String, String> r : b.requires().entrySet()) {
        String field = "requires." + r.getKey();
        Input fact = b.recorded() == null ? null : b.recorded().get(r.getKey());
        if (fact == null || fact.present() == null) {
          throw new DefinitionException(
              file, field, "must name a recorded fact with a 'present' value");
        }
        if (r.getValue() == null || r.getValue().isBlank()) {
          throw new DefinitionException(
              file, field, "needs the reason given when the fact is not found");
        }
      }
    }
    if (b.exclusions() != null) {
      for (int i = 0; i < b.exclusions().size(); i++) {
        Binding.Exclusion e = b.exclusions().get(i);
        if (e.source() != Source.CONDITION || e.match() == null || e.reason() == null) {
          throw new DefinitionException(
              file, "exclusions[" + i + "]", "needs source Condition, a reason and match codes");
        }
      }
    }
  }

  /** CKD-EPI 2021 needs a creatinine Observation in mg/dL and gives mL/min/1.73 m². */
  private static void requireCreatinine(Path file, String field, Input input) {
    Input scr = input.creatinine();
    if (scr == null
        || scr.source() != Source.OBSERVATION
        || scr.match() == null
        || !"mg/dL".equals(scr.unit())) {
      throw new DefinitionException(
          file, field + ".creatinine", "must bind an Observation with unit mg/dL");
    }
    if (!"mL/min/{1.73_m2}".equals(input.unit())) {
      throw new DefinitionException(file, field + ".unit", "must be mL/min/{1.73_m2}");
    }
  }

  private static void requireFor(Path file, String field, Input input) {
    switch (input.source()) {
      case OBSERVATION -> {
        if (input.match() == null) {
          throw new DefinitionException(file, field + ".match", "is required for Observation");
        }
        if (input.unit() == null) {
          throw new DefinitionException(file, field + ".unit", "is required for Observation");
        }
        if (input.creatinine() != null) {
          requireCreatinine(file, field, input);
        }
      }
      case CONDITION -> {
        if (input.match() == null || input.present() == null || input.absent() == null) {
          throw new DefinitionException(
              file, field, "needs match, present and absent for " + input.source().code());
        }
      }
      case MEDICATION_REQUEST -> {
        // Levels (answers: value set URL → value) stand in for present.
        if (input.match() == null
            || (input.present() == null && input.answers() == null)
            || input.absent() == null) {
          throw new DefinitionException(
              file, field, "needs match, present (or answers by value set) and absent");
        }
        if (input.answers() != null) {
          for (String url : input.answers().keySet()) {
            if (input.match().expansions().stream().noneMatch(vs -> vs.url().equals(url))) {
              throw new DefinitionException(
                  file, field + ".answers", "names '" + url + "', which is not in match.valueSets");
            }
          }
        }
      }
      case PATIENT_GENDER, PATIENT_RACE -> {
        if (input.answers() == null) {
          throw new DefinitionException(file, field + ".answers", "is required");
        }
      }
      case PATIENT_AGE, ENCOUNTER_LENGTH_OF_STAY -> {}
      case ENCOUNTER_ACUITY -> {
        if (input.match() == null || input.present() == null || input.absent() == null) {
          throw new DefinitionException(
              file, field, "needs match, present and absent for Encounter.acuity");
        }
      }
      case ENCOUNTER_COUNT -> {
        if (input.match() == null || input.lookbackDays() == null) {
          throw new DefinitionException(
              file, field, "needs match (encounter classes) and lookbackDays");
        }
      }
      case CHARLSON -> {
        if (input.categories() == null || input.categories().isEmpty()) {
          throw new DefinitionException(file, field + ".categories", "must list the categories");
        }
        for (int i = 0; i < input.categories().size(); i++) {
          Binding.Category c = input.categories().get(i);
          if (c.name() == null || c.weight() <= 0 || c.icd10() == null || c.icd10().isEmpty()) {
            throw new DefinitionException(
                file,
                field + ".categories[" + i + "]",
                "needs a name, a positive weight and ICD-10 codes");
          }
        }
      }
      case CKD_EPI_2021 -> requireCreatinine(file, field, input);
    }
  }
}
