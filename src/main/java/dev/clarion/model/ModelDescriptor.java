package dev.clarion.model;

import java.util.List;
import java.util.Map;

/**
 * A model's {@code model.json}: what the ONNX artifact is, what its inputs mean and where it may be
 * used. Loaded by {@link ModelLoader}; every field is checked at start-up.
 *
 * @param id stable model id, the folder name under {@code models/}
 * @param name human-readable name shown on cards
 * @param label what the output is called in a card summary, e.g. "10-year ASCVD risk"
 * @param version exact version; every decision names it
 * @param artifact ONNX file name inside the model folder
 * @param sha256 pinned hex sha256 of the artifact; a mismatch stops the server
 * @param input name of the ONNX input tensor, float[N, features.size()]
 * @param output name of the ONNX output tensor, float[N, 1]
 * @param outcome what the output predicts, in plain words
 * @param horizonYears prediction horizon in years (0 when the output is not a risk over years)
 * @param horizon the horizon in words when it is not whole years (e.g. "30 days"), or null
 * @param scale {@code probability} (default: the output is a fraction) or {@code points} (the
 *     output is a point score such as NEWS2, and {@code bands} bound points)
 * @param explanation {@code shapley} (default: exact Shapley values over the attributed inputs),
 *     {@code points} (each item's points, read from the ONNX output named by {@code itemPoints}) or
 *     {@code treeshap} (TreeSHAP over the trees of a gradient-boosted artifact)
 * @param itemPoints for point scores: the ONNX output float[N, features.size()] with each item's
 *     points
 * @param citation the publication the equation comes from
 * @param intendedPopulation who the model is validated for, in plain words
 * @param features input columns in tensor order
 * @param reference reference profile that explanations are computed against
 * @param bands risk bands in ascending order; the last one has no upper bound
 * @param alsoReports further outputs of the same graph shown beside the main one (e.g. the 2-year
 *     KFRE beside the 5-year), not explained; null or empty when there are none
 * @param bandsNotCounting for point scores: the item whose points the bands do not count
 *     (CHA₂DS₂-VASc: the sex category, since the guideline's thresholds are ≥ 2 in men and ≥ 3 in
 *     women); null: the bands bound the total
 */
public record ModelDescriptor(
    String id,
    String name,
    String label,
    String version,
    String artifact,
    String sha256,
    String input,
    String output,
    String outcome,
    int horizonYears,
    String horizon,
    String scale,
    String explanation,
    String itemPoints,
    String citation,
    String intendedPopulation,
    List<Feature> features,
    Reference reference,
    List<Band> bands,
    List<AlsoReport> alsoReports,
    String bandsNotCounting) {

  /** The code system naming Clarion's models ({@code id|version}) in FHIR resources. */
  public static final String CODE_SYSTEM = "https://clarion.dev/fhir/CodeSystem/model";

  /**
   * A further output of the graph, float[N,1], computed in the same call for the patient's row.
   *
   * @param output ONNX output name
   * @param label what it is ("2-year kidney failure risk")
   * @param onlyWhen the output is shown only when this input is at most this value (PREVENT
   *     30-year: age ≤ 59); null: always
   * @param requires an optional input the output needs (PREVENT heart failure: BMI); not shown
   *     without it
   * @param horizonYears its horizon in years (the RiskAssessment prediction's {@code whenRange});
   *     null: not stated
   */
  public record AlsoReport(
      String output, String label, AtMost onlyWhen, String requires, Double horizonYears) {}

  /** The further output declared as {@code output}, or null. */
  public AlsoReport alsoReport(String output) {
    if (alsoReports == null) {
      return null;
    }
    for (AlsoReport r : alsoReports) {
      if (r.output().equals(output)) {
        return r;
      }
    }
    return null;
  }

  /** An input and the largest value for which something applies. */
  public record AtMost(String input, double atMost) {}

  /**
   * One input column.
   *
   * @param name feature name, also the binding key
   * @param label label shown to clinicians
   * @param unit unit of the value the model expects (UCUM where one exists)
   * @param min lowest validated value (inclusive), or null when unbounded
   * @param max highest validated value (inclusive), or null when unbounded
   * @param attributed whether the explanation attributes risk to this input; inputs that only
   *     select an equation (sex, race) are held at the patient's value
   * @param whatIf a clinically sensible target for a modifiable input, or null
   * @param points for point scores: the item's point table in ascending order of {@code upTo} (the
   *     last row has none); compiled into the ONNX graph by {@code PointScoreGraphBuilder} (test
   *     scope)
   * @param optional the main output does not read this input: when it is missing or outside its
   *     range the patient is still scored, with NaN in its column, and the further outputs that
   *     {@code require} it are not shown
   */
  public record Feature(
      String name,
      String label,
      String unit,
      Double min,
      Double max,
      boolean attributed,
      WhatIf whatIf,
      List<Points> points,
      Boolean optional) {

    /** Whether the input is optional (absent in model.json: no). */
    public boolean isOptional() {
      return Boolean.TRUE.equals(optional);
    }
  }

  /**
   * One row of an item's point table: values up to {@code upTo} (inclusive, and above the previous
   * row's) score {@code points}; the last row has no {@code upTo}.
   */
  public record Points(Double upTo, int points) {}

  /**
   * What the risk would be if a modifiable input were at a target (e.g. systolic BP 120 mm Hg,
   * non-smoker), shown when the patient's value is on the other side of it.
   *
   * @param target the value to rescore with
   * @param label what the change is, as clinicians say it ("systolic BP 120 mm Hg")
   * @param direction {@code decrease} (shown when the patient's value is above the target) or
   *     {@code increase} (shown when below)
   */
  public record WhatIf(double target, String label, String direction) {

    /** Whether the change applies to a patient with this value. */
    public boolean appliesTo(double value) {
      return direction.equals("increase") ? value < target : value > target;
    }
  }

  /**
   * @param description "compared with …" sentence shown on the card
   * @param values values of the attributed features; the others come from the patient
   */
  public record Reference(String description, Map<String, Double> values) {}

  /**
   * @param code band code (e.g. {@code intermediate})
   * @param upper exclusive upper bound as a fraction, or null for the last band
   * @param indicator CDS Hooks card indicator for this band
   * @param anyItemAtLeast for point scores: the band also applies, whatever the total, when any
   *     single item scores at least this many points and the total alone gives a lower band (NEWS2:
   *     a single red score of 3 → low-medium)
   */
  public record Band(String code, Double upper, String indicator, Integer anyItemAtLeast) {}

  /** The band with this code. */
  public Band band(String code) {
    return bands.stream().filter(b -> b.code().equals(code)).findFirst().orElseThrow();
  }

  /** Whether the output is a point score rather than a probability. */
  public boolean points() {
    return "points".equals(scale);
  }

  /** The output written for clinicians: {@code "8.8 %"} or {@code "7 points"}. */
  public String format(double output) {
    return points()
        ? dev.clarion.format.Formats.score(output)
        : dev.clarion.format.Formats.percent(output);
  }

  /** A difference of outputs: {@code "+1.2 points"} (percentage points) or {@code "+3"}. */
  public String formatDifference(double difference) {
    return points()
        ? dev.clarion.format.Formats.signedScore(difference)
        : dev.clarion.format.Formats.points(difference);
  }

  /**
   * What the output is, in words, for cards and pages: "10-year risk of …", "Probability of …" (no
   * horizon), or for a point score "Predicts … within 30 days of discharge".
   */
  public String predicts() {
    String words = horizon != null ? horizon : horizonYears > 0 ? horizonYears + "-year" : null;
    if (points()) {
      return "Predicts "
          + outcome
          + (words == null || words.equals("now") ? "" : " within " + words);
    }
    return (words == null ? "Probability" : words + " risk") + " of " + outcome;
  }

  public int featureIndex(String featureName) {
    for (int i = 0; i < features.size(); i++) {
      if (features.get(i).name().equals(featureName)) {
        return i;
      }
    }
    return -1;
  }

  public Band bandOf(double risk) {
    return bandOf(risk, null);
  }

  /**
   * The band of an output: the first band (without {@code anyItemAtLeast}) whose upper bound is
   * above it (less the points of {@code bandsNotCounting}), raised to a higher {@code
   * anyItemAtLeast} band when one of {@code itemPoints} reaches that band's item threshold.
   *
   * @param itemPoints each item's points, or null
   */
  public Band bandOf(double risk, double[] itemPoints) {
    if (bandsNotCounting != null && itemPoints != null) {
      risk -= itemPoints[featureIndex(bandsNotCounting)];
    }
    int chosen = bands.size() - 1;
    for (int i = 0; i < bands.size(); i++) {
      Band band = bands.get(i);
      if (band.anyItemAtLeast() == null && (band.upper() == null || risk < band.upper())) {
        chosen = i;
        break;
      }
    }
    if (itemPoints != null) {
      double highest = java.util.Arrays.stream(itemPoints).max().orElse(0);
      for (int i = bands.size() - 1; i > chosen; i--) {
        Integer at = bands.get(i).anyItemAtLeast();
        if (at != null && highest >= at) {
          return bands.get(i);
        }
      }
    }
    return bands.get(chosen);
  }
}
