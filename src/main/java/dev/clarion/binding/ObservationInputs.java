package dev.clarion.binding;

import static dev.clarion.binding.Dates.day;
import static dev.clarion.binding.Dates.toLocalDate;

import dev.clarion.binding.Binding.Input;
import dev.clarion.binding.FeatureValue.Status;
import dev.clarion.error.InvalidRequestException;
import dev.clarion.fhir.PatientData;
import dev.clarion.format.Formats;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;

/**
 * Inputs read from Observations: a measured quantity (the latest, or the mean of the last few), a
 * coded answer (smoking status), and eGFR, reported or computed by CKD-EPI 2021 from creatinine.
 * Observations count only when final, amended or corrected unless the binding names other statuses,
 * and within the binding's lookback; values in other units are converted (molar factors, then UCUM)
 * or skipped with a note; implausible values are skipped with a note. Thread-safe.
 */
final class ObservationInputs {

  private final UnitConverter units;

  ObservationInputs(UnitConverter units) {
    this.units = units;
  }

  /** An observation input: a coded answer when the binding maps answers, else a quantity. */
  FeatureValue read(String name, Input input, PatientData data, Instant now, List<String> notes) {
    return input.answers() != null
        ? coded(name, input, data, now)
        : reportedOrDerived(name, input, data, now, notes);
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
  FeatureValue ckdEpi(String name, Input input, PatientData data, Instant now, List<String> notes) {
    FeatureValue scr = quantity("creatinine", input.creatinine(), data, now, notes);
    if (scr.missing()) {
      return FeatureValue.missing(name, input, null);
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
          Status.MISSING,
          false,
          "CKD-EPI 2021 needs administrative sex male or female.");
    }
    // Age at the result (a date, a date-time, or a partial date: then the index date).
    LocalDate measured =
        scr.date() != null && scr.date().length() >= 10
            ? LocalDate.parse(scr.date().substring(0, 10))
            : day(now);
    if (Demographics.ageAt(patient, measured).isEmpty()) {
      return FeatureValue.missing(name, input, null);
    }
    int age = Demographics.ageAt(patient, measured).getAsInt();
    boolean female = gender.equals("female");
    double egfr = CkdEpi2021.egfr(scr.value(), age, female);
    return new FeatureValue(
        name,
        egfr,
        input.unit(),
        "creatinine " + Formats.plain(scr.value()) + " mg/dL",
        scr.source(),
        scr.date(),
        Status.OBSERVED,
        scr.stale(),
        "CKD-EPI 2021 from creatinine "
            + Formats.plain(scr.value())
            + " mg/dL at age "
            + age
            + ", "
            + gender
            + (scr.note() == null ? "" : "; " + scr.note()));
  }

  private record Candidate(Observation obs, Quantity value, Date when) {}

  private FeatureValue quantity(
      String name, Input input, PatientData data, Instant now, List<String> notes) {
    List<Candidate> candidates = new ArrayList<>();
    for (Observation o : data.all(Observation.class)) {
      if (!usable(o, input) || tooOld(effective(o), input, now)) {
        continue;
      }
      if (Concepts.matches(o.getCode(), input.match()) && o.hasValueQuantity()) {
        candidates.add(new Candidate(o, o.getValueQuantity(), effective(o)));
      } else if (input.componentOf() != null
          && Concepts.matches(o.getCode(), input.componentOf())) {
        for (Observation.ObservationComponentComponent c : o.getComponent()) {
          if (Concepts.matches(c.getCode(), input.match()) && c.hasValueQuantity()) {
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
                + Formats.plain(converted.get())
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
      return FeatureValue.missing(name, input, null);
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
      original =
          "mean of " + used.size() + " results: " + Formats.plain(value) + " " + input.unit();
    }
    return FeatureValue.observed(
        name,
        value,
        input.unit(),
        original,
        PatientData.reference(latest.obs()),
        date == null ? null : date.toString(),
        stale,
        stale ? staleNote(date, input.staleAfterDays()) : null);
  }

  private static FeatureValue coded(String name, Input input, PatientData data, Instant now) {
    Optional<Observation> latest =
        data.all(Observation.class).stream()
            .filter(o -> usable(o, input) && Concepts.matches(o.getCode(), input.match()))
            .filter(o -> o.hasValueCodeableConcept() && !tooOld(effective(o), input, now))
            .max(
                Comparator.comparing(
                    ObservationInputs::effective,
                    Comparator.nullsFirst(Comparator.<Date>naturalOrder())));
    if (latest.isEmpty()) {
      return FeatureValue.missing(name, input, null);
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
          Concepts.display(answer),
          PatientData.reference(o),
          date == null ? null : date.toString(),
          Status.MISSING,
          stale,
          "'" + Concepts.display(answer) + "' does not say; no usable value.");
    }
    return FeatureValue.observed(
        name,
        value,
        input.unit(),
        Concepts.display(answer),
        PatientData.reference(o),
        date == null ? null : date.toString(),
        stale,
        stale ? staleNote(date, input.staleAfterDays()) : null);
  }

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

  private static boolean stale(LocalDate date, Input input, LocalDate today) {
    return input.staleAfterDays() != null
        && (date == null || ChronoUnit.DAYS.between(date, today) > input.staleAfterDays());
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

  private static String staleNote(LocalDate date, Integer limitDays) {
    if (date == null) {
      return "Date unknown.";
    }
    return "Older than "
        + (limitDays >= 365 ? limitDays / 365 + " years" : limitDays + " days")
        + ".";
  }
}
