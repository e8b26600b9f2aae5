package dev.clarion.risk;

import dev.clarion.binding.Extraction;
import dev.clarion.binding.FeatureValue;
import dev.clarion.explain.Explainer;
import dev.clarion.explain.Explainers;
import dev.clarion.format.Formats;
import dev.clarion.model.ModelDescriptor;
import dev.clarion.model.OnnxModel;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides whether a model may score a patient and, if so, scores and explains in one batched call.
 * No silent scores: missing inputs, values outside the validated ranges and exclusions from the
 * intended population all give a refusal with the reasons. Stateless and thread-safe.
 */
@ApplicationScoped
public class RiskAssessor {

  private final Explainers explainers;

  RiskAssessor(Explainers explainers) {
    this.explainers = explainers;
  }

  public Assessment assess(OnnxModel model, Extraction extraction) {
    return assess(model, extraction, List.of());
  }

  /**
   * As {@link #assess(OnnxModel, Extraction)}, with extra what-if scenarios (e.g. the treatment
   * being ordered) scored in the same batch. A scenario is scored when the patient's value of its
   * first input is on the far side of that input's own what-if target (or always, without one).
   */
  public Assessment assess(
      OnnxModel model, Extraction extraction, List<Assessment.Scenario> scenarios) {
    Assessment refusal = admit(model, extraction);
    if (refusal != null) {
      return refusal;
    }
    Batch batch = batch(model.descriptor(), extraction, scenarios);
    Explainer.Explanation e =
        explainers
            .forModel(model.descriptor())
            .explain(model, batch.patient(), batch.reference(), batch.attributed(), batch.rows());
    return read(model, extraction, batch, e);
  }

  /**
   * Admission: may the model score this patient? A refusal (exclusions, then missing inputs, then
   * values outside the validated ranges) with every reason; null when it may.
   */
  private static Assessment admit(OnnxModel model, Extraction extraction) {
    if (!extraction.exclusions().isEmpty()) {
      return refused("excluded", extraction.exclusions(), model, extraction);
    }
    List<String> missing = new ArrayList<>();
    List<String> outOfRange = new ArrayList<>();
    for (ModelDescriptor.Feature f : model.descriptor().features()) {
      FeatureValue v = extraction.feature(f.name());
      if (f.isOptional()) {
        continue; // NaN in its column when missing or out of range (usable() below)
      }
      if (v == null || v.missing()) {
        missing.add(f.label() + ": " + (v == null || v.note() == null ? "not found." : v.note()));
      } else if ((f.min() != null && v.value() < f.min())
          || (f.max() != null && v.value() > f.max())) {
        outOfRange.add(
            f.label()
                + " "
                + Formats.quantity(v.value(), f.unit())
                + " is outside the validated range "
                + range(f)
                + ".");
      }
    }
    if (!missing.isEmpty()) {
      return refused("missing-input", missing, model, extraction);
    }
    if (!outOfRange.isEmpty()) {
      return refused("out-of-range", outOfRange, model, extraction);
    }
    return null;
  }

  /**
   * One what-if row of the batch: either a modifiable input at its own target ({@code feature}), or
   * a scenario of the service (e.g. the treatment being ordered).
   */
  private record WhatIfRow(ModelDescriptor.Feature feature, Assessment.Scenario scenario) {}

  /**
   * What the explainer scores in one call: the patient's row, the reference, which inputs are
   * attributed, and the what-if rows with what each of them is.
   */
  private record Batch(
      float[] patient,
      float[] reference,
      boolean[] attributed,
      List<float[]> rows,
      List<WhatIfRow> whatIfs) {}

  /**
   * The batch: the patient (NaN for an optional input that cannot be used), the reference profile
   * for the attributed inputs, one row per modifiable input on the wrong side of its target, and
   * one per scenario whose first input is on the far side of that input's own target (or always,
   * without one).
   */
  private static Batch batch(
      ModelDescriptor d, Extraction extraction, List<Assessment.Scenario> scenarios) {
    int width = d.features().size();
    float[] patient = new float[width];
    float[] reference = new float[width];
    boolean[] attributed = new boolean[width];
    for (int i = 0; i < width; i++) {
      ModelDescriptor.Feature f = d.features().get(i);
      FeatureValue v = extraction.feature(f.name());
      patient[i] = usable(f, v) ? v.value().floatValue() : Float.NaN;
      attributed[i] = f.attributed();
      reference[i] =
          f.attributed() ? d.reference().values().get(f.name()).floatValue() : patient[i];
    }
    List<float[]> rows = new ArrayList<>();
    List<WhatIfRow> whatIfs = new ArrayList<>();
    for (int i = 0; i < width; i++) {
      ModelDescriptor.Feature f = d.features().get(i);
      if (f.whatIf() != null && f.whatIf().appliesTo(patient[i])) {
        float[] row = patient.clone();
        row[i] = (float) f.whatIf().target();
        rows.add(row);
        whatIfs.add(new WhatIfRow(f, null));
      }
    }
    for (Assessment.Scenario scenario : scenarios) {
      int column = d.featureIndex(scenario.first().input());
      ModelDescriptor.WhatIf own = d.features().get(column).whatIf();
      if (own == null || own.appliesTo(patient[column])) {
        float[] row = patient.clone();
        scenario.set().forEach(c -> row[d.featureIndex(c.input())] = (float) c.value());
        rows.add(row);
        whatIfs.add(new WhatIfRow(null, scenario));
      }
    }
    return new Batch(patient, reference, attributed, rows, whatIfs);
  }

  /** Reading the explainer's result: what-ifs, attributions, further outputs, band. */
  private static Assessment read(
      OnnxModel model, Extraction extraction, Batch batch, Explainer.Explanation e) {
    ModelDescriptor d = model.descriptor();
    float[] patient = batch.patient();
    List<Assessment.WhatIf> whatIfs = new ArrayList<>();
    for (int w = 0; w < batch.whatIfs().size(); w++) {
      WhatIfRow row = batch.whatIfs().get(w);
      if (row.scenario() != null) {
        // A scenario: from/to are the patient's and the scenario's value of its first input.
        Assessment.Scenario scenario = row.scenario();
        whatIfs.add(
            new Assessment.WhatIf(
                String.join(
                    "+", scenario.set().stream().map(Assessment.Scenario.Change::input).toList()),
                scenario.label(),
                patient[d.featureIndex(scenario.first().input())],
                scenario.first().value(),
                e.whatIf()[w]));
      } else {
        ModelDescriptor.Feature f = row.feature();
        whatIfs.add(
            new Assessment.WhatIf(
                f.name(),
                f.whatIf().label(),
                patient[d.featureIndex(f.name())],
                f.whatIf().target(),
                e.whatIf()[w]));
      }
    }
    List<Assessment.Attribution> attributions = new ArrayList<>();
    for (int i = 0; i < patient.length; i++) {
      ModelDescriptor.Feature f = d.features().get(i);
      if (f.attributed()) {
        attributions.add(
            new Assessment.Attribution(
                f.name(), f.label(), patient[i], batch.reference()[i], e.contributions()[i]));
      }
    }
    List<Assessment.AlsoReport> also = new ArrayList<>();
    List<Assessment.NotEstimated> notEstimated = new ArrayList<>();
    double[] values = model.alsoReports(patient);
    for (int k = 0; k < values.length; k++) {
      ModelDescriptor.AlsoReport a = d.alsoReports().get(k);
      ModelDescriptor.AtMost only = a.onlyWhen();
      boolean applies = only == null || patient[d.featureIndex(only.input())] <= only.atMost();
      boolean hasInput =
          a.requires() == null || !Float.isNaN(patient[d.featureIndex(a.requires())]);
      if (applies && hasInput) {
        also.add(new Assessment.AlsoReport(a.output(), a.label(), values[k]));
      } else {
        notEstimated.add(new Assessment.NotEstimated(a, !applies, !hasInput));
      }
    }
    return new Assessment(
        Assessment.Outcome.SCORED,
        null,
        List.of(),
        e.prediction(),
        d.bandOf(e.prediction(), e.itemPoints()).code(),
        e.baseline(),
        List.copyOf(attributions),
        List.copyOf(whatIfs),
        List.copyOf(also),
        List.copyOf(notEstimated),
        model,
        extraction);
  }

  /** Whether an input's value may be used: found, and inside its validated range. */
  private static boolean usable(ModelDescriptor.Feature f, FeatureValue v) {
    return v != null
        && !v.missing()
        && v.value() != null
        && (f.min() == null || v.value() >= f.min())
        && (f.max() == null || v.value() <= f.max());
  }

  private static Assessment refused(
      String code, List<String> reasons, OnnxModel model, Extraction extraction) {
    return new Assessment(
        Assessment.Outcome.REFUSED,
        code,
        List.copyOf(reasons),
        null,
        null,
        null,
        List.of(),
        List.of(),
        List.of(),
        List.of(),
        model,
        extraction);
  }

  /** A feature's validated range as clinicians write it: "130–320 mg/dL", "at most 200 mm Hg". */
  private static String range(ModelDescriptor.Feature f) {
    if (f.min() == null) {
      return "at most " + Formats.quantity(f.max(), f.unit());
    }
    if (f.max() == null) {
      return "at least " + Formats.quantity(f.min(), f.unit());
    }
    return Formats.plain(f.min()) + "–" + Formats.quantity(f.max(), f.unit());
  }
}
