package dev.clarion.binding;

import static dev.clarion.binding.Dates.day;

import dev.clarion.binding.Binding.Input;
import dev.clarion.fhir.PatientData;
import dev.clarion.model.ModelDescriptor;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Extracts a model's inputs from a patient's FHIR data as its {@link Binding} declares. Every value
 * keeps its source resource (with version), date, original value and unit, and a staleness flag.
 *
 * <p>This class walks the binding: each input goes to the reader of its source kind ({@link
 * PatientInputs}, {@link ObservationInputs}, {@link ConditionInputs}, {@link MedicationInputs},
 * {@link EncounterInputs}), whose Javadoc states its rules; then the population's gates (minimum
 * age, excluding diagnoses, required facts) are applied.
 *
 * <p>Stateless and thread-safe.
 */
@ApplicationScoped
public class BindingExtractor {

  /**
   * The prefix of a fact read from the orders a clinician is selecting (order-select): {@code
   * selected.statinIntensity} is the intensity of the selected statin.
   */
  public static final String SELECTED = "selected.";

  private final ObservationInputs observations;

  public BindingExtractor(UnitConverter units) {
    this.observations = new ObservationInputs(units);
  }

  /** Extracts every input of {@code model} in its input order. */
  public Extraction extract(
      ModelDescriptor model, Binding binding, PatientData data, LocalDate today) {
    return extract(model, binding, data, today.atStartOfDay(ZoneOffset.UTC).toInstant());
  }

  /**
   * Extracts every input of {@code model} in its input order, as of {@code now} (lookbacks in hours
   * count from it; ages and lookbacks in days from its UTC date).
   */
  public Extraction extract(ModelDescriptor model, Binding binding, PatientData data, Instant now) {
    List<String> notes = new ArrayList<>(data.notes());
    List<String> basis = new ArrayList<>();
    List<FeatureValue> features = new ArrayList<>();
    for (ModelDescriptor.Feature feature : model.features()) {
      Input input = binding.inputs().get(feature.name());
      FeatureValue value = extract(feature.name(), input, data, now, notes);
      features.add(value);
      if (value.source() != null && !basis.contains(value.source())) {
        basis.add(value.source());
      }
    }
    List<String> exclusions = new ArrayList<>();
    List<Extraction.Excluded> excludedBy = new ArrayList<>();
    OptionalInt age = Demographics.ageAt(data.patient(), day(now));
    if (binding.minimumAge() != null && age.isPresent() && age.getAsInt() < binding.minimumAge()) {
      exclusions.add(
          "younger than "
              + binding.minimumAge()
              + " years: the model is for patients aged "
              + binding.minimumAge()
              + " or older");
    }
    for (Extraction.Excluded by : ConditionInputs.excluded(binding.exclusions(), data)) {
      exclusions.add(
          by.reason()
              + ": "
              + by.display()
              + (by.onset() == null ? "" : " (onset " + by.onset() + ")"));
      excludedBy.add(by);
      basis.add(by.source());
    }
    List<FeatureValue> recorded = new ArrayList<>();
    if (binding.recorded() != null) {
      binding
          .recorded()
          .forEach((name, input) -> recorded.add(extract(name, input, data, now, notes)));
    }
    if (binding.requires() != null) {
      // The gate into the population: each required fact must have been found.
      binding
          .requires()
          .forEach(
              (name, reason) -> {
                FeatureValue fact =
                    recorded.stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow();
                if (fact.value() == null
                    || !fact.value().equals(binding.recorded().get(name).present())) {
                  exclusions.add(reason);
                }
              });
    }
    return new Extraction(
        List.copyOf(features), exclusions, notes, basis, excludedBy, List.copyOf(recorded));
  }

  private FeatureValue extract(
      String name, Input input, PatientData data, Instant now, List<String> notes) {
    return switch (input.source()) {
      case PATIENT_AGE -> PatientInputs.age(name, input, data.patient(), day(now));
      case PATIENT_GENDER -> PatientInputs.gender(name, input, data.patient());
      case PATIENT_RACE -> PatientInputs.race(name, input, data.patient(), notes);
      case OBSERVATION -> observations.read(name, input, data, now, notes);
      case CONDITION -> ConditionInputs.presence(name, input, data);
      case MEDICATION_REQUEST -> MedicationInputs.ordered(name, input, data);
      case CKD_EPI_2021 -> observations.ckdEpi(name, input, data, now, notes);
      case ENCOUNTER_LENGTH_OF_STAY -> EncounterInputs.lengthOfStay(name, input, data, now);
      case ENCOUNTER_ACUITY -> EncounterInputs.acuity(name, input, data);
      case ENCOUNTER_COUNT -> EncounterInputs.count(name, input, data, now);
      case CHARLSON -> EncounterInputs.charlson(name, input, data, notes);
    };
  }

  /**
   * A binding's medication input or recorded fact applied to the orders a clinician is selecting:
   * the fact {@code selected.<name>} (e.g. the intensity of the selected statin) from the first
   * order that matches, or null when none does.
   */
  public static FeatureValue selected(
      String name, Binding binding, List<org.hl7.fhir.r4.model.MedicationRequest> drafts) {
    Input input =
        binding.inputs().containsKey(name)
            ? binding.inputs().get(name)
            : binding.recorded() == null ? null : binding.recorded().get(name);
    if (input == null || input.source() != Binding.Source.MEDICATION_REQUEST) {
      throw new IllegalArgumentException(name + " is not a medication input of the binding");
    }
    FeatureValue v = MedicationInputs.selected(name, input, drafts);
    return v == null
        ? null
        : new FeatureValue(
            SELECTED + name,
            v.value(),
            v.unit(),
            v.original(),
            v.source(),
            v.date(),
            v.status(),
            false,
            v.note(),
            v.matchedBy());
  }
}
