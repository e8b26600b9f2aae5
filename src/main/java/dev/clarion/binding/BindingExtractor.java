package dev.clarion.binding;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clarion.binding.Binding.Input;
import dev.clarion.binding.FeatureValue.Status;
import dev.clarion.error.InvalidRequestException;
import dev.clarion.fhir.PatientData;
import dev.clarion.model.ModelDescriptor;
import dev.clarion.terminology.CodeMatch;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Resource;

/**
 * Extracts a model's inputs from a patient's FHIR data as its {@link Binding} declares. Every value
 * keeps its source resource (with version), date, original value and unit, and a staleness flag.
 *
 * <p>Rules common to all bindings: observations count only when final, amended or corrected
 * (entered-in-error, cancelled and preliminary results are ignored); conditions that are refuted or
 * entered-in-error never count; values in other units are converted (molar factors, then UCUM) or
 * skipped with a note; implausible values are skipped with a note; exclusions count whatever the
 * clinical status (a resolved myocardial infarction is still history).
 *
 * <p>Stateless and thread-safe.
 */
@ApplicationScoped
public class BindingExtractor {

  private final UnitConverter units;

  public BindingExtractor(UnitConverter units) {
    this.units = units;
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
    for (Binding.Exclusion exclusion :
        binding.exclusions() == null ? List.<Binding.Exclusion>of() : binding.exclusions()) {
      for (Condition c : data.all(Condition.class)) {
        if (refutedOrError(c) || !hasStatus(c, exclusion.statuses())) {
          continue;
        }
        Optional<CodeMatch> hit = match(c.getCode(), exclusion.match());
        if (hit.isPresent()) {
          String onset = onset(c);
          exclusions.add(
              exclusion.reason()
                  + ": "
                  + display(c.getCode())
                  + (onset == null ? "" : " (onset " + onset + ")"));
          excludedBy.add(
              new Extraction.Excluded(
                  exclusion.reason(),
                  display(c.getCode()),
                  PatientData.reference(c),
                  onset,
                  hit.get()));
          basis.add(PatientData.reference(c));
        }
      }
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
      case OBSERVATION ->
          input.answers() != null
              ? codedObservation(name, input, data, now)
              : reportedOrDerived(name, input, data, now, notes);
      case CONDITION -> condition(name, input, data);
      case MEDICATION_REQUEST -> medication(name, input, data);
      case CKD_EPI_2021 -> ckdEpi(name, input, data, now, notes);
      case ENCOUNTER_LENGTH_OF_STAY -> EncounterInputs.lengthOfStay(name, input, data, now);
      case ENCOUNTER_ACUITY -> EncounterInputs.acuity(name, input, data);
      case ENCOUNTER_COUNT -> EncounterInputs.count(name, input, data, now);
      case CHARLSON -> EncounterInputs.charlson(name, input, data, notes);
    };
  }

  /**
   * A reported result; for an eGFR binding with a nested {@code creatinine} binding, when none is
   * reported, CKD-EPI 2021 from the latest creatinine instead (what a laboratory would report),
   * saying so.
   */
  private FeatureValue reportedOrDerived(
      String name, Input input, PatientData data, Instant now, List<String> notes) {
    FeatureValue reported = quantity(name, input, data, now, notes);
    if (!reported.missing() || input.creatinine() == null) {
      return reported;
    }
    FeatureValue derived = ckdEpi(name, input, data, now, notes);
    if (derived.missing()) {
      return reported;
    }
    return derived.withNote("No eGFR reported: " + derived.note());
  }

  /** eGFR by CKD-EPI 2021 from the latest usable creatinine, age at that result and sex. */
  private FeatureValue ckdEpi(
      String name, Input input, PatientData data, Instant now, List<String> notes) {
    FeatureValue scr = quantity("creatinine", input.creatinine(), data, now, notes);
    if (scr.missing()) {
      return missing(name, input, null);
    }
    Patient patient = data.patient();
    String gender = patient.hasGender() ? patient.getGender().toCode() : null;
    if (!"female".equals(gender) && !"male".equals(gender)) {
      return new FeatureValue(
          name,
          null,
          input.unit(),
          null,
          scr.source(),
          scr.date(),
          FeatureValue.Status.MISSING,
          false,
          "CKD-EPI 2021 needs administrative sex male or female.");
    }
    // Age at the result (a date, a date-time, or a partial date: then the index date).
    LocalDate measured =
        scr.date() != null && scr.date().length() >= 10
            ? LocalDate.parse(scr.date().substring(0, 10))
            : day(now);
    if (Demographics.ageAt(patient, measured).isEmpty()) {
      return missing(name, input, null);
    }
    int age = Demographics.ageAt(patient, measured).getAsInt();
    boolean female = gender.equals("female");
    double egfr = CkdEpi2021.egfr(scr.value(), age, female);
    return new FeatureValue(
        name,
        egfr,
        input.unit(),
        "creatinine " + plain(scr.value()) + " mg/dL",
        scr.source(),
        scr.date(),
        FeatureValue.Status.OBSERVED,
        scr.stale(),
        "CKD-EPI 2021 from creatinine "
            + plain(scr.value())
            + " mg/dL at age "
            + age
            + ", "
            + gender
            + (scr.note() == null ? "" : "; " + scr.note()));
  }

  /**
   * Cheap pre-selection on raw JSON: can this resource contribute to the binding? Resources that
   * cannot (most of a patient's record) are never parsed. Errs on the side of "yes".
   */
  public static boolean mayContribute(Binding binding, JsonNode resource) {
    String type = resource.path("resourceType").asText();
    if ("Patient".equals(type)) {
      return true;
    }
    List<Input> all = new ArrayList<>(binding.inputs().values());
    if (binding.recorded() != null) {
      all.addAll(binding.recorded().values());
    }
    for (Input bound : all) {
      if (bound.creatinine() != null
          && "Observation".equals(type)
          && anyCoding(resource, bound.creatinine().match())) {
        return true;
      }
      Input input = bound.observed();
      if (input.match() == null && input.source().resourceType().equals(type)) {
        return true; // Encounters, and Conditions for the Charlson index: decided after parsing
      }
      if (input.source().resourceType().equals(type)
          && (anyCoding(resource, input.match()) || anyCoding(resource, input.componentOf()))) {
        return true;
      }
      if (input.source() == Binding.Source.MEDICATION_REQUEST
          && (type.equals("MedicationRequest") || type.equals("Medication"))) {
        return true; // the medication may be a reference or contained; decide after parsing
      }
    }
    if (binding.exclusions() != null) {
      for (Binding.Exclusion exclusion : binding.exclusions()) {
        if (exclusion.source().resourceType().equals(type)
            && anyCoding(resource, exclusion.match())) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean anyCoding(JsonNode resource, Binding.CodeSet set) {
    if (set == null) {
      return false;
    }
    for (JsonNode coding : resource.path("code").path("coding")) {
      if (set.matches(coding.path("system").asText(null), coding.path("code").asText(null))) {
        return true;
      }
    }
    return false;
  }

  // ------------------------------------------------------------------ Observations

  private record Candidate(Observation obs, Quantity value, Date when) {}

  private FeatureValue quantity(
      String name, Input input, PatientData data, Instant now, List<String> notes) {
    List<Candidate> candidates = new ArrayList<>();
    for (Observation o : data.all(Observation.class)) {
      if (!usable(o, input) || tooOld(effective(o), input, now)) {
        continue;
      }
      if (matches(o.getCode(), input.match()) && o.hasValueQuantity()) {
        candidates.add(new Candidate(o, o.getValueQuantity(), effective(o)));
      } else if (input.componentOf() != null && matches(o.getCode(), input.componentOf())) {
        for (Observation.ObservationComponentComponent c : o.getComponent()) {
          if (matches(c.getCode(), input.match()) && c.hasValueQuantity()) {
            candidates.add(new Candidate(o, c.getValueQuantity(), effective(o)));
          }
        }
      }
    }
    candidates.sort(
        Comparator.comparing(
                Candidate::when, Comparator.nullsFirst(Comparator.<Date>naturalOrder()))
            .reversed());
    List<Candidate> used = new ArrayList<>();
    List<Double> values = new ArrayList<>();
    int wanted = mean(input) ? Math.max(1, input.aggregation().last()) : 1;
    for (Candidate c : candidates) {
      if (used.size() == wanted) {
        break;
      }
      if (mean(input)
          && !used.isEmpty()
          && input.aggregation().withinDays() != null
          && daysBetween(c.when(), used.get(0).when()) > input.aggregation().withinDays()) {
        break;
      }
      String unit = c.value().hasCode() ? c.value().getCode() : c.value().getUnit();
      if (c.value().hasValue() && !Double.isFinite(c.value().getValue().doubleValue())) {
        // A decimal beyond double range (e.g. 400 digits): no model input can be made of it.
        throw new InvalidRequestException(
            "prefetch-invalid",
            PatientData.reference(c.obs()) + " has a value that is not a finite number.");
      }
      Optional<Double> converted =
          c.value().hasValue()
              ? units.convert(
                  c.value().getValue().doubleValue(), unit, input.unit(), input.molarFactors())
              : Optional.empty();
      if (converted.isEmpty()) {
        notes.add(
            "A "
                + name
                + " value in unsupported unit '"
                + unit
                + "' was skipped ("
                + PatientData.reference(c.obs())
                + ").");
        continue;
      }
      if (input.plausible() != null && !input.plausible().contains(converted.get())) {
        notes.add(
            "An implausible "
                + name
                + " value ("
                + plain(converted.get())
                + " "
                + input.unit()
                + ") was ignored ("
                + PatientData.reference(c.obs())
                + ").");
        continue;
      }
      used.add(c);
      values.add(converted.get());
    }
    if (used.isEmpty()) {
      return missing(name, input, null);
    }
    Candidate latest = used.get(0);
    double value = values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    LocalDate date = latest.when() == null ? null : toLocalDate(latest.when());
    boolean stale = stale(date, input, day(now));
    String original;
    if (used.size() == 1) {
      String unit = latest.value().hasCode() ? latest.value().getCode() : latest.value().getUnit();
      original = latest.value().getValue().stripTrailingZeros().toPlainString() + " " + unit;
      if (!UnitConverter.normalise(unit).equals(input.unit())) {
        original +=
            " = "
                + BigDecimal.valueOf(value).setScale(0, RoundingMode.HALF_UP)
                + " "
                + input.unit();
      }
    } else {
      original = "mean of " + used.size() + " results: " + plain(value) + " " + input.unit();
    }
    return observed(
        name,
        value,
        input.unit(),
        original,
        PatientData.reference(latest.obs()),
        date == null ? null : date.toString(),
        stale,
        stale ? staleNote(date, input.staleAfterDays()) : null);
  }

  private FeatureValue codedObservation(String name, Input input, PatientData data, Instant now) {
    Optional<Observation> latest =
        data.all(Observation.class).stream()
            .filter(o -> usable(o, input) && matches(o.getCode(), input.match()))
            .filter(o -> o.hasValueCodeableConcept() && !tooOld(effective(o), input, now))
            .max(
                Comparator.comparing(
                    BindingExtractor::effective,
                    Comparator.nullsFirst(Comparator.<Date>naturalOrder())));
    if (latest.isEmpty()) {
      return missing(name, input, null);
    }
    Observation o = latest.get();
    CodeableConcept answer = o.getValueCodeableConcept();
    Double value = null;
    for (Coding c : answer.getCoding()) {
      value = value != null ? value : input.answers().get(c.getSystem() + "|" + c.getCode());
    }
    Date when = effective(o);
    LocalDate date = when == null ? null : toLocalDate(when);
    boolean stale = stale(date, input, day(now));
    if (value == null) {
      return new FeatureValue(
          name,
          null,
          input.unit(),
          display(answer),
          PatientData.reference(o),
          date == null ? null : date.toString(),
          Status.MISSING,
          stale,
          "'" + display(answer) + "' does not say; no usable value.");
    }
    return observed(
        name,
        value,
        input.unit(),
        display(answer),
        PatientData.reference(o),
        date == null ? null : date.toString(),
        stale,
        stale ? staleNote(date, input.staleAfterDays()) : null);
  }

  // ------------------------------------------------------------------ Presence

  private FeatureValue condition(String name, Input input, PatientData data) {
    for (Condition c : data.all(Condition.class)) {
      if (refutedOrError(c) || !hasStatus(c, input.statuses())) {
        continue;
      }
      Optional<CodeMatch> hit = match(c.getCode(), input.match());
      if (hit.isPresent()) {
        return new FeatureValue(
            name,
            input.present(),
            input.unit(),
            display(c.getCode()),
            PatientData.reference(c),
            c.hasOnsetDateTimeType() ? c.getOnsetDateTimeType().getValueAsString() : null,
            Status.OBSERVED,
            false,
            null,
            hit.get());
      }
    }
    return absent(name, input);
  }

  private FeatureValue medication(String name, Input input, PatientData data) {
    List<String> statuses = input.statuses() == null ? List.of("active") : input.statuses();
    for (MedicationRequest m : data.all(MedicationRequest.class)) {
      if (m.getStatus() == null || !statuses.contains(m.getStatus().toCode())) {
        continue;
      }
      Medication resource = medicationResource(m, data);
      CodeableConcept med =
          m.hasMedicationCodeableConcept()
              ? m.getMedicationCodeableConcept()
              : resource == null ? null : resource.getCode();
      Optional<CodeMatch> hit = match(med, input.match());
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
            med == null || med.isEmpty() ? "a medication" : display(med),
            PatientData.reference(m),
            m.hasAuthoredOn() ? m.getAuthoredOnElement().getValueAsString() : null,
            Status.OBSERVED,
            false,
            note,
            hit.get());
      }
    }
    return absent(name, input);
  }

  /**
   * A Medication's active ingredients, when its own code did not match (a branded product, a local
   * code). Not for a Medication whose name or form says it is not systemic: timolol eye drops are
   * not antihypertensive treatment although timolol is a beta-blocker ingredient.
   */
  private static Optional<CodeMatch> ingredient(Medication medication, Binding.CodeSet set) {
    if (NON_SYSTEMIC.matcher(names(medication.getCode()) + names(medication.getForm())).find()) {
      return Optional.empty();
    }
    for (Medication.MedicationIngredientComponent i : medication.getIngredient()) {
      if (i.hasItemCodeableConcept() && (!i.hasIsActive() || i.getIsActive())) {
        Optional<CodeMatch> hit = match(i.getItemCodeableConcept(), set);
        if (hit.isPresent()) {
          return Optional.of(hit.get().throughIngredient());
        }
      }
    }
    return Optional.empty();
  }

  private static final java.util.regex.Pattern NON_SYSTEMIC =
      java.util.regex.Pattern.compile(
          "\\b(ophthalmic|otic|topical|nasal|vaginal|rectal|irrigation|cutaneous)\\b");

  /** Text and displays of a concept, lower case (empty when there is none). */
  private static String names(CodeableConcept concept) {
    if (concept == null) {
      return "";
    }
    StringBuilder all = new StringBuilder(concept.hasText() ? concept.getText() : "");
    for (Coding c : concept.getCoding()) {
      all.append(' ').append(c.hasDisplay() ? c.getDisplay() : "");
    }
    return all.append(' ').toString().toLowerCase(java.util.Locale.ROOT);
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

  // ------------------------------------------------------------------ helpers

  private static boolean mean(Input input) {
    return input.aggregation() != null
        && "mean".equals(input.aggregation().method())
        && input.aggregation().last() != null;
  }

  private static boolean usable(Observation o, Input input) {
    String status = o.getStatus() == null ? "" : o.getStatus().toCode();
    List<String> accepted =
        input.statuses() == null ? List.of("final", "amended", "corrected") : input.statuses();
    return accepted.contains(status);
  }

  private static boolean tooOld(Date when, Input input, Instant now) {
    if (input.lookbackHours() != null
        && (when == null
            || Duration.between(when.toInstant(), now).toMinutes() > input.lookbackHours() * 60L)) {
      return true;
    }
    return input.lookbackDays() != null
        && (when == null
            || ChronoUnit.DAYS.between(toLocalDate(when), day(now)) > input.lookbackDays());
  }

  private static LocalDate day(Instant now) {
    return LocalDate.ofInstant(now, ZoneOffset.UTC);
  }

  private static boolean stale(LocalDate date, Input input, LocalDate today) {
    return input.staleAfterDays() != null
        && (date == null || ChronoUnit.DAYS.between(date, today) > input.staleAfterDays());
  }

  private static boolean hasStatus(Condition c, List<String> statuses) {
    if (statuses == null || !c.hasClinicalStatus()) {
      return true;
    }
    return c.getClinicalStatus().getCoding().stream().anyMatch(x -> statuses.contains(x.getCode()));
  }

  static boolean refutedOrError(Condition c) {
    return c.getVerificationStatus().getCoding().stream()
        .anyMatch(x -> "refuted".equals(x.getCode()) || "entered-in-error".equals(x.getCode()));
  }

  static boolean matches(CodeableConcept concept, Binding.CodeSet set) {
    return match(concept, set).isPresent();
  }

  /**
   * How a concept matches: the first of its codings (any system) that does, else its text as a
   * branded drug name.
   */
  static Optional<CodeMatch> match(CodeableConcept concept, Binding.CodeSet set) {
    if (concept == null || set == null) {
      return Optional.empty();
    }
    for (Coding c : concept.getCoding()) {
      Optional<CodeMatch> hit = set.match(c.getSystem(), c.getCode(), c.getDisplay());
      if (hit.isPresent()) {
        return hit;
      }
    }
    return concept.hasText() ? set.brandedName(concept.getText()) : Optional.empty();
  }

  private static Date effective(Observation o) {
    if (o.hasEffectiveDateTimeType()) {
      return o.getEffectiveDateTimeType().getValue();
    }
    if (o.hasEffectivePeriod() && o.getEffectivePeriod().hasStart()) {
      return o.getEffectivePeriod().getStart();
    }
    if (o.hasEffectiveInstantType()) {
      return o.getEffectiveInstantType().getValue();
    }
    return o.hasIssued() ? o.getIssued() : null;
  }

  private static long daysBetween(Date older, Date newer) {
    return older == null || newer == null
        ? Long.MAX_VALUE
        : ChronoUnit.DAYS.between(toLocalDate(older), toLocalDate(newer));
  }

  /** The onset as an ISO date, or null when none is recorded. */
  private static String onset(Condition c) {
    if (!c.hasOnsetDateTimeType()) {
      return null;
    }
    String onset = c.getOnsetDateTimeType().getValueAsString();
    return onset.substring(0, Math.min(10, onset.length()));
  }

  static String display(CodeableConcept concept) {
    if (concept.hasText()) {
      return concept.getText();
    }
    for (Coding c : concept.getCoding()) {
      if (c.hasDisplay()) {
        return c.getDisplay();
      }
    }
    return concept.getCodingFirstRep().getCode();
  }

  private static String staleNote(LocalDate date, Integer limitDays) {
    if (date == null) {
      return "Date unknown.";
    }
    return "Older than "
        + (limitDays >= 365 ? limitDays / 365 + " years" : limitDays + " days")
        + ".";
  }

  static FeatureValue observed(
      String name,
      Double value,
      String unit,
      String original,
      String source,
      String date,
      boolean stale,
      String note) {
    return new FeatureValue(
        name, value, unit, original, source, date, Status.OBSERVED, stale, note);
  }

  private static FeatureValue absent(String name, Input input) {
    return new FeatureValue(
        name,
        input.absent(),
        input.unit(),
        null,
        null,
        null,
        Status.ABSENT,
        false,
        input.absentNote());
  }

  /** No usable value: refuse (MISSING) or default with the binding's visible note (ABSENT). */
  static FeatureValue missing(String name, Input input, String original) {
    Binding.Missing policy = input.missing();
    String note = policy == null || policy.note() == null ? "Not found." : policy.note();
    if (policy != null && !policy.refuses()) {
      return new FeatureValue(
          name, policy.value(), input.unit(), original, null, null, Status.ABSENT, false, note);
    }
    return new FeatureValue(
        name, null, input.unit(), original, null, null, Status.MISSING, false, note);
  }

  private static String plain(double v) {
    return BigDecimal.valueOf(v)
        .setScale(1, RoundingMode.HALF_UP)
        .stripTrailingZeros()
        .toPlainString();
  }

  static LocalDate toLocalDate(Date date) {
    return date.toInstant().atZone(ZoneOffset.UTC).toLocalDate();
  }
}
