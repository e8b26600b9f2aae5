package dev.clarion.binding;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.binding.Binding.Input;
import dev.clarion.binding.Binding.Source;
import dev.clarion.boot.DefinitionException;
import dev.clarion.model.ModelConfig;
import dev.clarion.model.ModelDescriptor;
import dev.clarion.model.ModelRegistry;
import dev.clarion.model.OnnxModel;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The FHIR bindings of all loaded models ({@code models/<id>/binding.json}), loaded and checked
 * against each model's descriptor at start-up: every model input is bound, units are valid UCUM and
 * equal the model's, each source has what it needs. Any problem stops the server with a message
 * naming the file and field. Immutable afterwards, hence thread-safe.
 */
@Startup
@ApplicationScoped
public class Bindings {

  private final Map<String, Binding> bindings;

  @Inject
  Bindings(ModelConfig config, ModelRegistry models, ObjectMapper mapper, UnitConverter ucum) {
    this(config.dir(), models, mapper, ucum);
  }

  /** Outside CDI (tools and tests). */
  public Bindings(Path modelsDir, ModelRegistry models, ObjectMapper mapper, UnitConverter ucum) {
    ObjectMapper reader = mapper.copy().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    Map<String, Binding> loaded = new HashMap<>();
    for (OnnxModel model : models.all()) {
      Path file = modelsDir.resolve(model.descriptor().id()).resolve("binding.json");
      Binding binding = read(file, reader);
      validate(file, binding, model.descriptor(), ucum);
      loaded.put(model.descriptor().id(), binding);
    }
    this.bindings = Map.copyOf(loaded);
  }

  public Optional<Binding> forModel(String modelId) {
    return Optional.ofNullable(bindings.get(modelId));
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

  private static void requireFor(Path file, String field, Input input) {
    switch (input.source()) {
      case OBSERVATION -> {
        if (input.match() == null) {
          throw new DefinitionException(file, field + ".match", "is required for Observation");
        }
        if (input.unit() == null) {
          throw new DefinitionException(file, field + ".unit", "is required for Observation");
        }
      }
      case CONDITION, MEDICATION_REQUEST -> {
        if (input.match() == null || input.present() == null || input.absent() == null) {
          throw new DefinitionException(
              file, field, "needs match, present and absent for " + input.source().code());
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
      case CKD_EPI_2021 -> {
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
    }
  }
}
