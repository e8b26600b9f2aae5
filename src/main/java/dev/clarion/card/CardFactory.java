package dev.clarion.card;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.binding.FeatureValue;
import dev.clarion.cds.Card;
import dev.clarion.model.ModelDescriptor;
import dev.clarion.risk.Assessment;
import dev.clarion.web.Formats;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.RiskAssessment;
import org.hl7.fhir.r4.model.StringType;

/**
 * Builds the cards for an {@link Assessment}: a scored card that explains itself (risk, band,
 * contributions, every input with its date and source, what was missing, assumed or stale, the
 * model and its intended population) carrying a FHIR RiskAssessment as a suggested {@code create};
 * or a card saying why no risk was computed. Stateless and thread-safe.
 */
@ApplicationScoped
public class CardFactory {

  static final String OVERRIDE_SYSTEM = "https://clarion.dev/fhir/CodeSystem/override-reason";

  /**
   * Why a clinician may dismiss a risk card; offered on every scored card and kept with the
   * feedback (CDS Hooks 2.0 §Override reasons), so auditors can see why advice was not followed.
   */
  public static final List<Card.Coding> OVERRIDE_REASONS =
      List.of(
          new Card.Coding(
              OVERRIDE_SYSTEM, "already-addressed", "Already addressed or on treatment"),
          new Card.Coding(OVERRIDE_SYSTEM, "data-inaccurate", "Input data inaccurate or outdated"),
          new Card.Coding(OVERRIDE_SYSTEM, "not-applicable", "Not applicable to this patient"),
          new Card.Coding(OVERRIDE_SYSTEM, "patient-declined", "Patient declined"));

  /** Code system of Clarion model ids in RiskAssessment.method. */
  public static final String MODEL_SYSTEM = "https://clarion.dev/fhir/CodeSystem/model";

  /** Extension on RiskAssessment carrying the sha256 of the exact model artifact. */
  public static final String MODEL_SHA256_EXTENSION =
      "https://clarion.dev/fhir/StructureDefinition/model-sha256";

  static final String BAND_SYSTEM = "https://clarion.dev/fhir/CodeSystem/risk-band";

  private final FhirContext fhir;
  private final ObjectMapper mapper;
  private final ExplanationLinks explanations;

  CardFactory(FhirContext fhir, ObjectMapper mapper, ExplanationLinks explanations) {
    this.fhir = fhir;
    this.mapper = mapper;
    this.explanations = explanations;
  }

  /**
   * Context of the card: who it is about, which decision, where the model card is served, and for
   * order hooks the order being signed or selected (null otherwise).
   */
  public record Context(
      String patientId, UUID decisionId, Instant time, String baseUrl, Order order) {}

  /**
   * @param text what is being ordered, in words
   * @param scenario the label of the what-if with the treatment
   */
  public record Order(String text, String scenario) {}

  public Card scored(Assessment a, Context ctx) {
    ModelDescriptor d = a.model().descriptor();
    String band = a.band();
    String summary = String.format(Locale.ROOT, "%s %s (%s)", d.label(), d.format(a.risk()), band);
    StringBuilder md = new StringBuilder();
    boolean atSigning = ctx.order() != null;
    if (atSigning) {
      md.append("**Being ordered:** ").append(escape(ctx.order().text())).append(".");
      Assessment.WhatIf treatment = treatment(a, ctx);
      if (treatment != null) {
        // The treatment scenario leads: it is what the clinician is deciding on.
        summary += "; with " + treatment.label() + ": " + d.format(treatment.risk());
        md.append(" With ")
            .append(treatment.label())
            .append(": **")
            .append(d.format(treatment.risk()))
            .append("** (now ")
            .append(d.format(a.risk()))
            .append(") — the equation's estimate for that profile, not a treatment effect")
            .append(" measured in a trial.");
      }
      md.append("\n\n");
    }
    if (d.points()) {
      appendPoints(md, a);
    } else {
      appendRisk(md, a);
    }
    appendInputs(md, a);
    appendModel(md, a, ctx);

    if (atSigning) {
      // At signing the card informs the order; it is not an objection to it (info), and filing
      // a risk assessment is not the task at hand (no suggestion).
      return new Card(
          uuid(ctx, "card").toString(),
          summary,
          md.toString(),
          Card.Indicator.INFO,
          source(d, ctx),
          null,
          null,
          OVERRIDE_REASONS,
          List.of(explanationLink(ctx), modelCardLink(d, ctx)));
    }
    RiskAssessment ra = riskAssessment(a, ctx);
    Card.Suggestion file =
        new Card.Suggestion(
            "File this risk assessment in the chart",
            uuid(ctx, "suggestion").toString(),
            null,
            List.of(
                new Card.Action(
                    "create",
                    "Record the " + d.label() + " as a RiskAssessment",
                    toJson(ra),
                    null)));
    return new Card(
        uuid(ctx, "card").toString(),
        summary,
        md.toString(),
        Card.Indicator.of(d.band(a.band()).indicator()),
        source(d, ctx),
        List.of(file),
        "at-most-one",
        OVERRIDE_REASONS,
        List.of(explanationLink(ctx), modelCardLink(d, ctx)));
  }

  /** The what-if of the order being signed, when it applies to this patient (else null). */
  public static Assessment.WhatIf treatment(Assessment a, Context ctx) {
    if (ctx.order() == null) {
      return null;
    }
    for (Assessment.WhatIf w : a.whatIfs()) {
      if (w.label().equals(ctx.order().scenario())) {
        return w;
      }
    }
    return null;
  }

  /** Headline, contributions in percentage points and what-ifs of a probability model. */
  private static void appendRisk(StringBuilder md, Assessment a) {
    ModelDescriptor d = a.model().descriptor();
    md.append(
        String.format(
            Locale.ROOT,
            "**%s: %s** — %s (%s).%n%n",
            d.predicts(),
            Formats.percent(a.risk()),
            a.band(),
            bandRange(d, a.band())));
    md.append("Compared with ")
        .append(d.reference().description())
        .append(": ")
        .append(Formats.percent(a.baseline()))
        .append(".\n\n");
    md.append("| Factor | Patient | Reference | Contribution |\n|---|---|---|---|\n");
    for (Assessment.Attribution at : a.attributions()) {
      ModelDescriptor.Feature f = feature(d, at.feature());
      row(
          md,
          at.label(),
          value(f, at.patientValue()),
          value(f, at.referenceValue()),
          Formats.points(at.contribution()));
    }
    md.append(
        String.format(
            Locale.ROOT,
            "%nContributions are %s in percentage points; they add up to %s − %s = %s.%n%n",
            "treeshap".equals(d.explanation())
                ? "TreeSHAP values (log-odds, scaled to the risk scale)"
                : "exact Shapley values",
            Formats.percent(a.risk()),
            Formats.percent(a.baseline()),
            Formats.points(a.risk() - a.baseline())));
    if (!a.alsoReports().isEmpty()) {
      md.append("**Also estimated** by the same model:\n\n| | Risk |\n|---|---|\n");
      for (Assessment.AlsoReport r : a.alsoReports()) {
        row(md, r.label(), Formats.percent(r.risk()));
      }
      md.append("\n");
    }
    appendNotEstimated(md, a);
    if (!a.whatIfs().isEmpty()) {
      md.append("**What would change it** (everything else as now):\n\n")
          .append("| If | Risk | Change |\n|---|---|---|\n");
      for (Assessment.WhatIf w : a.whatIfs()) {
        row(md, w.label(), Formats.percent(w.risk()), Formats.points(w.risk() - a.risk()));
      }
      md.append("\n");
    }
  }

  /** The model's further outputs left out for this patient, each with the reason. */
  private static void appendNotEstimated(StringBuilder md, Assessment a) {
    ModelDescriptor d = a.model().descriptor();
    List<String> lines = new ArrayList<>();
    for (Assessment.NotEstimated n : a.notEstimated()) {
      ModelDescriptor.AlsoReport r = n.report();
      List<String> why = new ArrayList<>();
      if (n.beyondLimit()) {
        ModelDescriptor.Feature f = feature(d, r.onlyWhen().input());
        why.add(
            "only for "
                + f.label().toLowerCase(Locale.ROOT)
                + " up to "
                + value(f, r.onlyWhen().atMost()));
      }
      if (n.withoutInput()) {
        ModelDescriptor.Feature f = feature(d, r.requires());
        why.add(
            "needs "
                + f.label().toLowerCase(Locale.ROOT)
                + " between "
                + value(f, f.min())
                + " and "
                + value(f, f.max()));
      }
      lines.add(r.label() + ": " + String.join("; ", why));
    }
    if (!lines.isEmpty()) {
      md.append("Not estimated for this patient: ")
          .append(String.join(". ", lines))
          .append(".\n\n");
    }
  }

  /** Headline and the points of every item of a point score (NEWS2, LACE). */
  private static void appendPoints(StringBuilder md, Assessment a) {
    ModelDescriptor d = a.model().descriptor();
    md.append(
        String.format(
            Locale.ROOT,
            "**%s: %s** — %s (%s). %s.%n%n",
            d.label(),
            Formats.score(a.risk()),
            a.band(),
            bandRange(d, a.band()),
            d.predicts()));
    md.append("| Item | Patient | Points |\n|---|---|---|\n");
    for (Assessment.Attribution at : a.attributions()) {
      ModelDescriptor.Feature f = feature(d, at.feature());
      row(md, at.label(), value(f, at.patientValue()), Math.round(at.contribution()));
    }
    md.append(
        String.format(
            Locale.ROOT,
            "%nThe items' points add up to the total, %s. For comparison, %s: %s.%n%n",
            Formats.score(a.risk()),
            d.reference().description(),
            Formats.score(a.baseline())));
  }

  public Card refused(Assessment a, Context ctx) {
    ModelDescriptor d = a.model().descriptor();
    String why =
        switch (a.reasonCode()) {
          case "excluded" -> exclusionReason(a) + " (outside the intended population)";
          case "missing-input" -> "required data missing";
          case "out-of-range" -> "outside the validated range";
          default -> "not applicable";
        };
    String summary = d.label() + " not calculated: " + why;
    StringBuilder md = new StringBuilder();
    md.append("**No risk was calculated.** ")
        .append(d.name())
        .append(" cannot be applied to this patient because:\n\n");
    for (String reason : a.reasons()) {
      md.append("- ").append(escape(reason)).append('\n');
    }
    md.append('\n');
    appendInputs(md, a);
    appendModel(md, a, ctx);
    return new Card(
        uuid(ctx, "card").toString(),
        summary,
        md.toString(),
        Card.Indicator.INFO,
        source(d, ctx),
        null,
        null,
        null,
        List.of(explanationLink(ctx), modelCardLink(d, ctx)));
  }

  /** The binding's reason of the first exclusion, e.g. "ASCVD history". */
  private static String exclusionReason(Assessment a) {
    String first = a.reasons().isEmpty() ? "excluded" : a.reasons().get(0);
    int colon = first.indexOf(':');
    return colon > 0 ? first.substring(0, colon) : first;
  }

  private void appendInputs(StringBuilder md, Assessment a) {
    ModelDescriptor d = a.model().descriptor();
    md.append("**Inputs used**\n\n| Input | Value | Date | Source |\n|---|---|---|---|\n");
    List<String> remarks = new ArrayList<>();
    for (ModelDescriptor.Feature f : d.features()) {
      FeatureValue v = a.extraction().feature(f.name());
      if (v == null) {
        continue;
      }
      String shown = v.value() == null ? "missing" : value(f, v.value());
      if (v.original() != null) {
        // Measured values are shown as recorded (with any conversion); coded ones with their code.
        boolean measured = !"1".equals(f.unit()) && !"a".equals(f.unit());
        shown = measured && v.value() != null ? v.original() : shown + " (" + v.original() + ")";
      }
      md.append("| ")
          .append(f.label())
          .append(" | ")
          .append(escape(shown))
          .append(v.stale() ? " ⚠ stale" : "")
          .append(" | ")
          .append(v.date() == null ? "–" : v.date().substring(0, Math.min(10, v.date().length())))
          .append(" | ")
          .append(v.source() == null ? "–" : v.source())
          .append(" |\n");
      if (v.note() != null) {
        remarks.add(f.label() + ": " + v.note());
      }
    }
    for (String note : a.extraction().notes()) {
      if (remarks.stream().noneMatch(r -> r.endsWith(note))) {
        remarks.add(note);
      }
    }
    if (!remarks.isEmpty()) {
      md.append("\n**Missing, assumed or stale**\n\n");
      for (String r : remarks) {
        md.append("- ").append(escape(r)).append('\n');
      }
    }
    md.append('\n');
  }

  private static void appendModel(StringBuilder md, Assessment a, Context ctx) {
    ModelDescriptor d = a.model().descriptor();
    md.append("**Model:** ")
        .append(d.name())
        .append(", version ")
        .append(d.version())
        .append(" (artifact sha256 ")
        .append(a.model().sha256(), 0, 12)
        .append("…). ")
        .append(d.citation())
        .append("\n\n**Intended population:** ")
        .append(d.intendedPopulation())
        .append("\n\nThis estimate informs clinical judgement; it does not replace it. ")
        .append("[Model card](")
        .append(modelCardUrl(d, ctx))
        .append(")\n");
  }

  private RiskAssessment riskAssessment(Assessment a, Context ctx) {
    ModelDescriptor d = a.model().descriptor();
    RiskAssessment ra = new RiskAssessment();
    ra.addIdentifier(
        new Identifier().setSystem("urn:ietf:rfc:3986").setValue("urn:uuid:" + ctx.decisionId()));
    ra.setStatus(RiskAssessment.RiskAssessmentStatus.FINAL);
    ra.setSubject(new Reference("Patient/" + ctx.patientId()));
    ra.setOccurrence(new DateTimeType(Date.from(ctx.time())));
    Coding method = new Coding(MODEL_SYSTEM, d.id(), d.name()).setVersion(d.version());
    ra.setMethod(new CodeableConcept(method).setText(d.name() + " " + d.version()));
    ra.addExtension(MODEL_SHA256_EXTENSION, new StringType(a.model().sha256()));
    for (String ref : a.extraction().basis()) {
      ra.addBasis(new Reference(ref));
    }
    RiskAssessment.RiskAssessmentPredictionComponent p = ra.addPrediction();
    p.setOutcome(new CodeableConcept().setText(d.outcome()));
    p.setQualitativeRisk(new CodeableConcept(new Coding(BAND_SYSTEM, a.band(), a.band())));
    if (d.points()) {
      // A point score is not a probability: the total goes in the rationale.
      p.setRationale(d.label() + " " + Formats.score(a.risk()));
      return ra;
    }
    p.setProbability(
        new DecimalType(BigDecimal.valueOf(a.risk()).setScale(6, RoundingMode.HALF_UP)));
    if (d.horizonYears() > 0) {
      p.setWhen(
          new Range()
              .setHigh(
                  new Quantity()
                      .setValue(d.horizonYears())
                      .setUnit("years")
                      .setSystem("http://unitsofmeasure.org")
                      .setCode("a")));
    }
    return ra;
  }

  private JsonNode toJson(RiskAssessment ra) {
    try {
      return mapper.readTree(fhir.newJsonParser().encodeResourceToString(ra));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("HAPI produced invalid JSON", e);
    }
  }

  private static Card.Source source(ModelDescriptor d, Context ctx) {
    return new Card.Source(
        "Clarion · " + d.name() + " " + d.version(), modelCardUrl(d, ctx), null, null);
  }

  /** The decision's explanation page (signed, expiring link). */
  private Card.Link explanationLink(Context ctx) {
    return new Card.Link(
        "Explanation: what drove it, what would change it, the data used",
        ctx.baseUrl() + explanations.path(ctx.decisionId(), ctx.time()),
        "absolute");
  }

  private static Card.Link modelCardLink(ModelDescriptor d, Context ctx) {
    return new Card.Link("Model card: " + d.name(), modelCardUrl(d, ctx), "absolute");
  }

  static String modelCardUrl(ModelDescriptor d, Context ctx) {
    return ctx.baseUrl() + "/models/" + d.id() + "/card.html";
  }

  /** Card and suggestion uuids derive from the decision id, so the record can name them. */
  static UUID uuid(Context ctx, String kind) {
    return UUID.nameUUIDFromBytes((ctx.decisionId() + "/" + kind).getBytes());
  }

  private static ModelDescriptor.Feature feature(ModelDescriptor d, String name) {
    return d.features().get(d.featureIndex(name));
  }

  private static String bandRange(ModelDescriptor d, String band) {
    if (d.points()) {
      return pointsRange(d, band);
    }
    double lower = 0;
    for (ModelDescriptor.Band b : d.bands()) {
      if (b.code().equals(band)) {
        if (b.upper() == null) {
          return "≥ " + plain(lower * 100) + " %";
        }
        return lower == 0
            ? "< " + plain(b.upper() * 100) + " %"
            : plain(lower * 100) + "–" + plain(b.upper() * 100) + " %";
      }
      lower = b.upper() == null ? lower : b.upper();
    }
    return band;
  }

  /** "0–4 points", "7 points or more", "a single item scoring 3 or more". */
  private static String pointsRange(ModelDescriptor d, String band) {
    double lower = 0;
    for (ModelDescriptor.Band b : d.bands()) {
      if (b.anyItemAtLeast() != null) {
        if (b.code().equals(band)) {
          return "a single item scoring " + b.anyItemAtLeast() + " or more";
        }
        continue;
      }
      if (b.code().equals(band)) {
        return b.upper() == null
            ? plain(lower) + " points or more"
            : plain(lower) + "–" + plain(b.upper() - 1) + " points";
      }
      lower = b.upper() == null ? lower : b.upper();
    }
    return band;
  }

  static String value(ModelDescriptor.Feature f, double v) {
    if ("1".equals(f.unit())) {
      return v >= 0.5 ? "yes" : "no";
    }
    String unit =
        switch (f.unit()) {
          case "a" -> "years";
          case "mm[Hg]" -> "mm Hg";
          case "Cel" -> "°C";
          case "d" -> "days";
          default -> f.unit().startsWith("{") ? "" : f.unit();
        };
    return unit.isEmpty() ? plain(v) : plain(v) + " " + unit;
  }

  private static String plain(double v) {
    return BigDecimal.valueOf(v)
        .setScale(1, RoundingMode.HALF_UP)
        .stripTrailingZeros()
        .toPlainString();
  }

  /** One Markdown table row. */
  private static void row(StringBuilder md, Object... cells) {
    md.append('|');
    for (Object cell : cells) {
      md.append(' ').append(cell).append(" |");
    }
    md.append('\n');
  }

  /** Keeps table cells intact: resource text must not break the Markdown table. */
  private static String escape(String text) {
    return text.replace("|", "\\|").replace("\n", " ");
  }
}
