package dev.clarion.binding;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.binding.FeatureValue.Status;
import dev.clarion.boot.DefinitionException;
import dev.clarion.fhir.PatientData;
import dev.clarion.model.ModelConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Resource;

/**
 * Finds the Pooled Cohort Equations inputs in a patient's FHIR data, using the code sets of {@code
 * models/ascvd-pce/binding.json}. Every value keeps its source resource, date and original unit.
 *
 * <p>Rules: the latest valid observation wins (status final, amended or corrected;
 * entered-in-error, cancelled and preliminary results are ignored); systolic BP may be a component
 * of a BP panel; cholesterol in mmol/L is converted; diabetes needs an active, not refuted
 * condition; any ASCVD condition that is not refuted or entered-in-error — active or resolved —
 * excludes the patient (primary prevention only); BP treatment means an active antihypertensive
 * MedicationRequest.
 *
 * <p>Stateless after construction and thread-safe.
 */
@ApplicationScoped
public class AscvdExtractor {

  static final String LOINC = "http://loinc.org";
  static final String SNOMED = "http://snomed.info/sct";
  static final String RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";
  static final String ATC = "http://www.whocc.no/atc";
  static final String US_CORE_RACE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race";
  static final String OMB_BLACK = "2054-5";

  private final AscvdBinding binding;
  private final Set<String> observationCodes;
  private final Set<String> conditionCodes;

  @Inject
  AscvdExtractor(ModelConfig config, ObjectMapper mapper) {
    this(load(config.dir().resolve("ascvd-pce").resolve("binding.json"), mapper));
  }

  AscvdExtractor(AscvdBinding binding) {
    this.binding = binding;
    this.observationCodes =
        prefixed(
            "loinc|",
            List.of(
                binding.totalCholesterol().loinc(),
                binding.hdl().loinc(),
                binding.systolicBp().loinc(),
                binding.systolicBp().panels(),
                binding.smokingStatus().loinc()));
    this.conditionCodes =
        prefixed("snomed|", List.of(binding.diabetes().snomed(), binding.ascvdHistory().snomed()));
  }

  static AscvdBinding load(Path file, ObjectMapper mapper) {
    try {
      AscvdBinding b =
          mapper
              .copy()
              .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
              .readValue(file.toFile(), AscvdBinding.class);
      for (String field :
          List.of("totalCholesterol", "hdl", "systolicBp", "smokingStatus", "diabetes")) {
        if (switch (field) {
          case "totalCholesterol" -> b.totalCholesterol() == null;
          case "hdl" -> b.hdl() == null;
          case "systolicBp" -> b.systolicBp() == null;
          case "smokingStatus" -> b.smokingStatus() == null;
          default -> b.diabetes() == null;
        }) {
          throw new DefinitionException(file, field, "is required");
        }
      }
      if (b.ascvdHistory() == null || b.antihypertensives() == null) {
        throw new DefinitionException(file, "ascvdHistory/antihypertensives", "is required");
      }
      return b;
    } catch (IOException e) {
      throw new DefinitionException(file, "is not a valid binding: " + e.getMessage(), e);
    }
  }

  /**
   * Cheap pre-selection on the raw JSON: can this resource contribute an input or an exclusion?
   * Resources that cannot (most of a patient's record) are never parsed. Errs on the side of "yes":
   * the extraction rules decide.
   */
  public boolean mayContribute(JsonNode resource) {
    return switch (resource.path("resourceType").asText()) {
      case "Patient", "MedicationRequest" -> true;
      case "Observation" -> anyCoding(resource.path("code"), c -> observationCodes.contains(c));
      case "Condition" ->
          anyCoding(
              resource.path("code"),
              c ->
                  conditionCodes.contains(c)
                      || (c.startsWith("icd10|")
                          && (startsWithAny(c.substring(6), binding.diabetes().icd10Prefixes())
                              || startsWithAny(
                                  c.substring(6), binding.ascvdHistory().icd10Prefixes()))));
      default -> false;
    };
  }

  private static boolean anyCoding(JsonNode concept, Predicate<String> test) {
    for (JsonNode coding : concept.path("coding")) {
      String system = coding.path("system").asText();
      String code = coding.path("code").asText();
      String key =
          LOINC.equals(system)
              ? "loinc|" + code
              : SNOMED.equals(system)
                  ? "snomed|" + code
                  : system.startsWith("http://hl7.org/fhir/sid/icd-10") ? "icd10|" + code : null;
      if (key != null && test.test(key)) {
        return true;
      }
    }
    return false;
  }

  private static boolean startsWithAny(String code, List<String> prefixes) {
    return prefixes.stream().anyMatch(code::startsWith);
  }

  private static Set<String> prefixed(String prefix, List<List<String>> lists) {
    Set<String> out = new HashSet<>();
    for (List<String> list : lists) {
      if (list != null) {
        list.forEach(code -> out.add(prefix + code));
      }
    }
    return Set.copyOf(out);
  }

  /** Extracts the nine inputs in model order (see {@code models/ascvd-pce/model.json}). */
  public Extraction extract(PatientData data, LocalDate today) {
    List<String> exclusions = new ArrayList<>();
    List<String> notes = new ArrayList<>(data.notes());
    List<String> basis = new ArrayList<>();
    List<FeatureValue> features = new ArrayList<>();
    Patient patient = data.patient();

    features.add(age(patient, today));
    features.add(
        quantity("totalCholesterol", binding.totalCholesterol(), "lipids", data, today, notes));
    features.add(quantity("hdl", binding.hdl(), "lipids", data, today, notes));
    features.add(quantity("systolicBp", binding.systolicBp(), "systolicBp", data, today, notes));
    features.add(bpTreatment(data));
    features.add(smoking(data, today));
    features.add(diabetes(data));
    features.addAll(sexAndRace(patient, notes));

    for (Condition c : data.all(Condition.class)) {
      if (!refutedOrError(c) && matches(c.getCode(), binding.ascvdHistory())) {
        exclusions.add(
            "ASCVD history: "
                + display(c.getCode())
                + " ("
                + PatientData.reference(c)
                + onset(c)
                + ")");
        basis.add(PatientData.reference(c));
      }
    }
    for (FeatureValue f : features) {
      if (f.source() != null && !basis.contains(f.source())) {
        basis.add(f.source());
      }
    }
    return new Extraction(List.copyOf(features), exclusions, notes, basis);
  }

  private FeatureValue age(Patient patient, LocalDate today) {
    if (patient == null || !patient.hasBirthDate()) {
      return missing("age", "a", "No date of birth recorded.");
    }
    var dob = patient.getBirthDateElement();
    // Partial dates (year or year-month) count from the first day of the period.
    LocalDate born =
        LocalDate.of(
            dob.getYear(),
            dob.getMonth() == null ? 1 : dob.getMonth() + 1,
            dob.getDay() == null ? 1 : dob.getDay());
    int years = Period.between(born, today).getYears();
    return new FeatureValue(
        "age",
        (double) years,
        "a",
        "born " + patient.getBirthDateElement().getValueAsString(),
        PatientData.reference(patient),
        null,
        Status.OBSERVED,
        false,
        null);
  }

  private FeatureValue quantity(
      String name,
      AscvdBinding.Quantity q,
      String staleKey,
      PatientData data,
      LocalDate today,
      List<String> notes) {
    String unit = name.equals("systolicBp") ? "mm[Hg]" : "mg/dL";
    record Candidate(Observation obs, Quantity value, Date when) {}
    List<Candidate> candidates = new ArrayList<>();
    for (Observation o : data.all(Observation.class)) {
      if (!usable(o)) {
        continue;
      }
      if (hasCode(o.getCode(), LOINC, q.loinc()) && o.hasValueQuantity()) {
        candidates.add(new Candidate(o, o.getValueQuantity(), effective(o)));
      } else if (q.panels() != null && hasCode(o.getCode(), LOINC, q.panels())) {
        for (Observation.ObservationComponentComponent c : o.getComponent()) {
          if (hasCode(c.getCode(), LOINC, q.loinc()) && c.hasValueQuantity()) {
            candidates.add(new Candidate(o, c.getValueQuantity(), effective(o)));
          }
        }
      }
    }
    candidates.sort(
        Comparator.comparing(
                Candidate::when, Comparator.nullsFirst(Comparator.<Date>naturalOrder()))
            .reversed());
    for (Candidate c : candidates) {
      String recordedUnit = c.value().hasCode() ? c.value().getCode() : c.value().getUnit();
      Double factor = recordedUnit == null ? null : q.units().get(recordedUnit);
      if (factor == null || !c.value().hasValue()) {
        notes.add(
            "A "
                + name
                + " value in unsupported unit '"
                + recordedUnit
                + "' was skipped ("
                + PatientData.reference(c.obs())
                + ").");
        continue;
      }
      BigDecimal original = c.value().getValue();
      double converted = original.doubleValue() * factor;
      String shown = original.stripTrailingZeros().toPlainString() + " " + recordedUnit;
      if (factor != 1.0) {
        shown +=
            " = " + BigDecimal.valueOf(converted).setScale(0, RoundingMode.HALF_UP) + " " + unit;
      }
      LocalDate date = c.when() == null ? null : toLocalDate(c.when());
      boolean stale =
          date == null || ChronoUnit.DAYS.between(date, today) > binding.staleAfterDays(staleKey);
      return new FeatureValue(
          name,
          converted,
          unit,
          shown,
          PatientData.reference(c.obs()),
          date == null ? null : date.toString(),
          Status.OBSERVED,
          stale,
          stale ? staleNote(date, binding.staleAfterDays(staleKey)) : null);
    }
    return missing(name, unit, "No result found.");
  }

  private FeatureValue smoking(PatientData data, LocalDate today) {
    AscvdBinding.Smoking s = binding.smokingStatus();
    Optional<Observation> latest =
        data.all(Observation.class).stream()
            .filter(o -> usable(o) && hasCode(o.getCode(), LOINC, s.loinc()))
            .filter(o -> o.hasValueCodeableConcept())
            .max(
                Comparator.comparing(
                    AscvdExtractor::effective,
                    Comparator.nullsFirst(Comparator.<Date>naturalOrder())));
    if (latest.isEmpty()) {
      return missing("smoker", "1", "No smoking status recorded.");
    }
    Observation o = latest.get();
    CodeableConcept answer = o.getValueCodeableConcept();
    Double value =
        hasCode(answer, SNOMED, s.current())
            ? Double.valueOf(1)
            : hasCode(answer, SNOMED, s.notCurrent()) ? Double.valueOf(0) : null;
    Date when = effective(o);
    LocalDate date = when == null ? null : toLocalDate(when);
    int limit = binding.staleAfterDays("smokingStatus");
    boolean stale = date == null || ChronoUnit.DAYS.between(date, today) > limit;
    if (value == null) {
      return new FeatureValue(
          "smoker",
          null,
          "1",
          display(answer),
          PatientData.reference(o),
          date == null ? null : date.toString(),
          Status.MISSING,
          stale,
          "Smoking status '" + display(answer) + "' does not say whether the patient smokes now.");
    }
    return new FeatureValue(
        "smoker",
        value,
        "1",
        display(answer),
        PatientData.reference(o),
        date == null ? null : date.toString(),
        Status.OBSERVED,
        stale,
        stale ? staleNote(date, limit) : null);
  }

  private FeatureValue diabetes(PatientData data) {
    for (Condition c : data.all(Condition.class)) {
      if (!refutedOrError(c) && active(c) && matches(c.getCode(), binding.diabetes())) {
        return new FeatureValue(
            "diabetes",
            1.0,
            "1",
            display(c.getCode()),
            PatientData.reference(c),
            c.hasOnsetDateTimeType() ? c.getOnsetDateTimeType().getValueAsString() : null,
            Status.OBSERVED,
            false,
            null);
      }
    }
    return new FeatureValue(
        "diabetes",
        0.0,
        "1",
        "no active diabetes condition",
        null,
        null,
        Status.ABSENT,
        false,
        "No active diabetes condition is recorded; treated as no diabetes.");
  }

  private FeatureValue bpTreatment(PatientData data) {
    for (MedicationRequest m : data.all(MedicationRequest.class)) {
      if (m.getStatus() != MedicationRequest.MedicationRequestStatus.ACTIVE) {
        continue;
      }
      CodeableConcept med = medication(m);
      if (med != null && isAntihypertensive(med)) {
        return new FeatureValue(
            "bpTreated",
            1.0,
            "1",
            display(med),
            PatientData.reference(m),
            m.hasAuthoredOn() ? m.getAuthoredOnElement().getValueAsString() : null,
            Status.OBSERVED,
            false,
            null);
      }
    }
    return new FeatureValue(
        "bpTreated",
        0.0,
        "1",
        "no active antihypertensive order",
        null,
        null,
        Status.ABSENT,
        false,
        "No active antihypertensive medication order; treated as untreated.");
  }

  private List<FeatureValue> sexAndRace(Patient patient, List<String> notes) {
    List<FeatureValue> out = new ArrayList<>(2);
    String ref = patient == null ? null : PatientData.reference(patient);
    AdministrativeGender gender = patient == null ? null : patient.getGender();
    if (gender == AdministrativeGender.FEMALE || gender == AdministrativeGender.MALE) {
      out.add(
          new FeatureValue(
              "female",
              gender == AdministrativeGender.FEMALE ? 1.0 : 0.0,
              "1",
              gender.toCode(),
              ref,
              null,
              Status.OBSERVED,
              false,
              null));
    } else {
      out.add(
          missing(
              "female",
              "1",
              "The equations are sex-specific; administrative sex is "
                  + (gender == null ? "not recorded" : "'" + gender.toCode() + "'")
                  + "."));
    }
    Optional<Coding> race = ombRace(patient);
    boolean black = race.map(c -> OMB_BLACK.equals(c.getCode())).orElse(false);
    String note =
        race.isEmpty()
            ? "Race not recorded: scored with the white equations (guideline default)."
            : black || "2106-3".equals(race.get().getCode())
                ? null
                : "Race recorded as "
                    + race.get().getDisplay()
                    + ": scored with the white equations (guideline default); risk may be"
                    + " over- or under-estimated.";
    out.add(
        new FeatureValue(
            "africanAmerican",
            black ? 1.0 : 0.0,
            "1",
            race.map(c -> c.hasDisplay() ? c.getDisplay() : c.getCode()).orElse("not recorded"),
            race.isPresent() ? ref : null,
            null,
            race.isPresent() ? Status.OBSERVED : Status.ABSENT,
            false,
            note));
    if (note != null) {
      notes.add(note);
    }
    return out;
  }

  private static Optional<Coding> ombRace(Patient patient) {
    if (patient == null) {
      return Optional.empty();
    }
    for (Extension ext : patient.getExtension()) {
      if (US_CORE_RACE.equals(ext.getUrl())) {
        for (Extension part : ext.getExtension()) {
          if ("ombCategory".equals(part.getUrl()) && part.getValue() instanceof Coding c) {
            return Optional.of(c);
          }
        }
      }
    }
    return Optional.empty();
  }

  private boolean isAntihypertensive(CodeableConcept med) {
    AscvdBinding.Medications set = binding.antihypertensives();
    if (hasCode(med, RXNORM, set.rxnorm())) {
      return true;
    }
    return med.getCoding().stream()
        .anyMatch(
            c ->
                ATC.equals(c.getSystem())
                    && c.hasCode()
                    && set.atcPrefixes().stream().anyMatch(p -> c.getCode().startsWith(p)));
  }

  private static CodeableConcept medication(MedicationRequest m) {
    if (m.hasMedicationCodeableConcept()) {
      return m.getMedicationCodeableConcept();
    }
    if (m.hasMedicationReference()
        && m.getMedicationReference().getResource() instanceof Medication med) {
      return med.getCode();
    }
    // A contained Medication (#id) is resolved by HAPI when parsing.
    for (Resource contained : m.getContained()) {
      if (contained instanceof Medication med
          && m.hasMedicationReference()
          && m.getMedicationReference().getReference().equals("#" + contained.getIdPart())) {
        return med.getCode();
      }
    }
    return null;
  }

  private boolean matches(CodeableConcept code, AscvdBinding.CodeSet set) {
    if (hasCode(code, SNOMED, set.snomed())) {
      return true;
    }
    return code.getCoding().stream()
        .anyMatch(
            c ->
                c.hasSystem()
                    && c.getSystem().startsWith("http://hl7.org/fhir/sid/icd-10")
                    && c.hasCode()
                    && set.icd10Prefixes().stream().anyMatch(p -> c.getCode().startsWith(p)));
  }

  private static boolean hasCode(CodeableConcept concept, String system, List<String> codes) {
    if (concept == null || codes == null) {
      return false;
    }
    for (Coding c : concept.getCoding()) {
      if (system.equals(c.getSystem()) && codes.contains(c.getCode())) {
        return true;
      }
    }
    return false;
  }

  /** Final, amended and corrected results only. */
  private static boolean usable(Observation o) {
    return switch (o.getStatus() == null ? Observation.ObservationStatus.NULL : o.getStatus()) {
      case FINAL, AMENDED, CORRECTED -> true;
      default -> false;
    };
  }

  private static boolean refutedOrError(Condition c) {
    return c.getVerificationStatus().getCoding().stream()
        .anyMatch(x -> "refuted".equals(x.getCode()) || "entered-in-error".equals(x.getCode()));
  }

  private static boolean active(Condition c) {
    if (!c.hasClinicalStatus()) {
      return true;
    }
    return c.getClinicalStatus().getCoding().stream()
        .anyMatch(
            x ->
                "active".equals(x.getCode())
                    || "recurrence".equals(x.getCode())
                    || "relapse".equals(x.getCode()));
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

  private static String onset(Condition c) {
    if (!c.hasOnsetDateTimeType()) {
      return "";
    }
    String onset = c.getOnsetDateTimeType().getValueAsString();
    return ", onset " + onset.substring(0, Math.min(10, onset.length()));
  }

  private static String display(CodeableConcept concept) {
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

  private static String staleNote(LocalDate date, int limitDays) {
    return date == null
        ? "Date unknown."
        : "Older than "
            + (limitDays >= 365 ? limitDays / 365 + " years" : limitDays + " days")
            + ".";
  }

  private static FeatureValue missing(String name, String unit, String note) {
    return new FeatureValue(name, null, unit, null, null, null, Status.MISSING, false, note);
  }

  static LocalDate toLocalDate(Date date) {
    return date.toInstant().atZone(ZoneOffset.UTC).toLocalDate();
  }
}
