package dev.clarion.binding;

import dev.clarion.binding.Binding.Input;
import dev.clarion.fhir.PatientData;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Encounter;

/**
 * Inputs read from the encounter a hook is about ({@code context.encounterId}) and from the
 * patient's other encounters and diagnoses: length of stay, acuity of admission, emergency visits
 * before it, and the Charlson comorbidity index from ICD-10 diagnoses (Quan 2005). Stateless.
 */
final class EncounterInputs {

  static final String ICD10 = "http://hl7.org/fhir/sid/icd-10";
  static final String ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm";

  private EncounterInputs() {}

  /** The encounter the hook is about, if the data holds it. */
  static Optional<Encounter> index(PatientData data) {
    if (data.encounterId() == null) {
      return Optional.empty();
    }
    return data.all(Encounter.class).stream()
        .filter(e -> data.encounterId().equals(e.getIdElement().getIdPart()))
        .findFirst();
  }

  /** Whole days from the start of the index encounter to its end (or to now if not ended). */
  static FeatureValue lengthOfStay(String name, Input input, PatientData data, Instant now) {
    Optional<Encounter> found = index(data);
    if (found.isEmpty() || !found.get().getPeriod().hasStart()) {
      return FeatureValue.missing(name, input, null);
    }
    Encounter e = found.get();
    LocalDate start = Dates.toLocalDate(e.getPeriod().getStart());
    boolean ended = e.getPeriod().hasEnd();
    LocalDate end =
        ended
            ? Dates.toLocalDate(e.getPeriod().getEnd())
            : LocalDate.ofInstant(now, ZoneOffset.UTC);
    long days = Math.max(0, ChronoUnit.DAYS.between(start, end));
    return FeatureValue.observed(
        name,
        (double) days,
        input.unit(),
        start + " to " + (ended ? end.toString() : "today (not yet discharged)"),
        PatientData.reference(e),
        start.toString(),
        false,
        ended ? null : "The encounter has no end date yet: length of stay counted to today.");
  }

  /**
   * Whether the index encounter was an emergency admission: a coding of its priority or admission
   * source in {@code match}. Neither recorded: the binding's missing policy.
   */
  static FeatureValue acuity(String name, Input input, PatientData data) {
    Optional<Encounter> found = index(data);
    if (found.isEmpty()) {
      return FeatureValue.missing(name, input, null);
    }
    Encounter e = found.get();
    List<CodeableConcept> said = new ArrayList<>();
    if (e.hasPriority()) {
      said.add(e.getPriority());
    }
    if (e.hasHospitalization() && e.getHospitalization().hasAdmitSource()) {
      said.add(e.getHospitalization().getAdmitSource());
    }
    if (said.isEmpty()) {
      return FeatureValue.missing(name, input, null);
    }
    for (CodeableConcept c : said) {
      if (Concepts.matches(c, input.match())) {
        return FeatureValue.observed(
            name,
            input.present(),
            input.unit(),
            Concepts.display(c),
            PatientData.reference(e),
            null,
            false,
            null);
      }
    }
    return FeatureValue.observed(
        name,
        input.absent(),
        input.unit(),
        Concepts.display(said.get(0)),
        PatientData.reference(e),
        null,
        false,
        null);
  }

  /**
   * Encounters whose class matches (e.g. EMER) that started within {@code lookbackDays} before the
   * index encounter started (or before now when it is not in the data), the index one excluded.
   */
  static FeatureValue count(String name, Input input, PatientData data, Instant now) {
    Optional<Encounter> index = index(data);
    Instant until =
        index
            .filter(e -> e.getPeriod().hasStart())
            .map(e -> e.getPeriod().getStart().toInstant())
            .orElse(now);
    Instant from = until.minus(input.lookbackDays(), ChronoUnit.DAYS);
    int n = 0;
    for (Encounter e : data.all(Encounter.class)) {
      if (index.isPresent() && index.get() == e) {
        continue;
      }
      if (!e.getPeriod().hasStart() || e.getStatus() == Encounter.EncounterStatus.CANCELLED) {
        continue;
      }
      Instant start = e.getPeriod().getStart().toInstant();
      Coding cls = e.getClass_();
      if (!start.isBefore(from)
          && start.isBefore(until)
          && input.match().matches(cls.getSystem(), cls.getCode())) {
        n++;
      }
    }
    return FeatureValue.observed(
        name,
        (double) n,
        input.unit(),
        n
            + " in the "
            + input.lookbackDays()
            + " days before "
            + LocalDate.ofInstant(until, ZoneOffset.UTC),
        null,
        null,
        false,
        null);
  }

  /**
   * The Charlson comorbidity index from ICD-10 / ICD-10-CM coded Conditions (not refuted or entered
   * in error, any clinical status): the sum of the weights of the categories present, a category
   * counting once and, within a group (liver, diabetes, cancer), only the heaviest.
   */
  static FeatureValue charlson(String name, Input input, PatientData data, List<String> notes) {
    Map<String, Binding.Category> found = new LinkedHashMap<>();
    Map<String, String> evidence = new LinkedHashMap<>();
    int otherCodes = 0;
    for (Condition c : data.all(Condition.class)) {
      if (ConditionInputs.refutedOrError(c)) {
        continue;
      }
      boolean icd = false;
      for (Coding coding : c.getCode().getCoding()) {
        if (!ICD10.equals(coding.getSystem()) && !ICD10CM.equals(coding.getSystem())) {
          continue;
        }
        icd = true;
        String code = dotless(coding.getCode());
        for (Binding.Category category : input.categories()) {
          if (category.icd10().stream().anyMatch(p -> code.startsWith(dotless(p)))) {
            found.putIfAbsent(category.name(), category);
            evidence.putIfAbsent(category.name(), PatientData.reference(c));
          }
        }
      }
      otherCodes += icd ? 0 : 1;
    }
    Map<String, Binding.Category> heaviest = new LinkedHashMap<>();
    for (Binding.Category category : found.values()) {
      String key = category.group() == null ? category.name() : category.group();
      Binding.Category held = heaviest.get(key);
      if (held == null || category.weight() > held.weight()) {
        heaviest.put(key, category);
      }
    }
    int index = heaviest.values().stream().mapToInt(Binding.Category::weight).sum();
    List<String> parts = new ArrayList<>();
    for (Binding.Category category : heaviest.values()) {
      parts.add(
          String.format(
              Locale.ROOT,
              "%s %d (%s)",
              category.name(),
              category.weight(),
              evidence.get(category.name())));
    }
    String note = null;
    if (otherCodes > 0) {
      note =
          otherCodes
              + " condition(s) without an ICD-10 code were not counted; the index may be"
              + " higher.";
      notes.add(note);
    }
    return FeatureValue.observed(
        name,
        (double) index,
        input.unit(),
        parts.isEmpty() ? "no Charlson condition coded" : String.join("; ", parts),
        heaviest.isEmpty() ? null : evidence.get(heaviest.values().iterator().next().name()),
        null,
        false,
        note);
  }

  static String dotless(String code) {
    return code == null ? "" : code.replace(".", "").toUpperCase(Locale.ROOT);
  }
}
