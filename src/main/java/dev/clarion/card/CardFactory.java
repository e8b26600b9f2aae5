package dev.clarion.card;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.binding.Extraction;
import dev.clarion.binding.FeatureValue;
import dev.clarion.cds.api.Card;
import dev.clarion.format.Formats;
import dev.clarion.imaging.ImageModelDescriptor;
import dev.clarion.imaging.ImagingResult;
import dev.clarion.model.ModelDescriptor;
import dev.clarion.recommend.Recommender;
import dev.clarion.recommend.Recommender.Recommendation;
import dev.clarion.risk.Assessment;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Collectors;
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
 * Builds the cards for an {@link Assessment}, short enough for one screen (CDS Hooks: cards are
 * short and actionable): a scored card with the risk and band, the three largest contributions,
 * what would change it, what was missing, assumed or stale, and one line on the model, carrying a
 * FHIR RiskAssessment as a suggested {@code create} (not at signing); or a card saying why no risk
 * was computed. Every factor, input, date and source is on the decision's explanation page, which
 * every card links to; the model card is the card's {@code source.url}. Text comes from the Qute
 * templates in {@code templates/CardFactory/}. Stateless and thread-safe.
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

  /** Extension on RiskAssessment carrying the sha256 of the exact model artifact. */
  public static final String MODEL_SHA256_EXTENSION =
      "https://clarion.dev/fhir/StructureDefinition/model-sha256";

  static final String BAND_SYSTEM = "https://clarion.dev/fhir/CodeSystem/risk-band";

  /** The profile of the RiskAssessment a card offers to file ({@code fhir-profiles/}). */
  public static final String RISK_ASSESSMENT_PROFILE =
      "https://clarion.dev/fhir/StructureDefinition/clarion-risk-assessment";

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

  /** The card texts (Qute, {@code templates/CardFactory/}); golden files pin what they render. */
  @CheckedTemplate
  static class Templates {
    static native TemplateInstance scored(ScoredText card);

    static native TemplateInstance refused(RefusedText card);

    static native TemplateInstance selection(SelectionText card);
  }

  /**
   * What an order-select card says: per selected order how it compares with the recommendation
   * (with the recommendation's line and source), then the score that placed the patient on the rule
   * and what drove it.
   */
  record SelectionText(
      List<SelectedText> selections,
      String headline,
      String band,
      String bandRange,
      String predicts,
      String driversTitle,
      String drivers,
      String driversUnit,
      List<String> notes,
      String model) {}

  /**
   * @param order the selected drug as ordered
   * @param level its level in words ("high-intensity statin")
   * @param verdict "Matches the guideline's recommendation." …
   * @param recommended what the rule recommends, when it recommends the medication
   * @param note the rule's condition for it that the model does not see
   * @param line the recommendation with its source, as on the patient-view card
   */
  record SelectedText(
      String order, String level, String verdict, String recommended, String note, String line) {}

  /**
   * What a scored card says, each part one line: the headline, the three largest contributions, the
   * what-ifs, further outputs, warnings (missing, assumed, stale) and one line on the model.
   * Everything else (every factor, input, date and source) is on the explanation page.
   */
  record ScoredText(
      String order,
      String headline,
      String band,
      String bandRange,
      String predicts,
      String driversTitle,
      String drivers,
      String driversUnit,
      String whatIfs,
      List<String> recommendations,
      String also,
      String notEstimated,
      List<String> notes,
      String coded,
      String model) {}

  /** What a "not calculated" card says: why, what to do about it, and one line on the model. */
  record RefusedText(
      String headline,
      String name,
      List<String> reasons,
      List<String> recommendations,
      String model) {}

  public Card scored(Assessment a, Context ctx) {
    return scored(a, ctx, List.of());
  }

  /**
   * The scored card, with the guideline recommendation of each topic (or why none applies) and a
   * suggestion per proposed order, each filing the RiskAssessment it follows from.
   */
  public Card scored(Assessment a, Context ctx, List<Recommendation> recommendations) {
    ModelDescriptor d = a.model().descriptor();
    String summary =
        String.format(Locale.ROOT, "%s %s (%s)", d.label(), d.format(a.risk()), a.band());
    String order = null;
    Assessment.WhatIf treatment = treatment(a, ctx);
    if (ctx.order() != null) {
      order = clean(ctx.order().text()) + ".";
      if (treatment != null) {
        // The treatment scenario leads: it is what the clinician is deciding on.
        summary += "; with " + treatment.label() + ": " + d.format(treatment.risk());
        order +=
            " With "
                + treatment.label()
                + ": **"
                + d.format(treatment.risk())
                + "** (now "
                + d.format(a.risk())
                + ") — the equation's estimate for that profile, not a treatment effect measured"
                + " in a trial.";
      }
    }
    String detail =
        Templates.scored(
                new ScoredText(
                    order,
                    d.label() + ": " + d.format(a.risk()),
                    a.band(),
                    bandRange(d, a.band()),
                    d.points() ? d.predicts() : null,
                    d.points() ? "Items scoring" : "What drove it",
                    drivers(a),
                    d.points()
                        ? "points"
                        : "percentage points against a reference risk of "
                            + Formats.percent(a.baseline()),
                    whatIfs(a, treatment),
                    RecommendationCards.lines(recommendations),
                    a.alsoReports().stream()
                        .map(r -> r.label() + " " + Formats.percent(r.risk()))
                        .collect(Collectors.joining("; ")),
                    notEstimated(a),
                    notes(a),
                    coded(a),
                    modelLine(a)))
            .render();
    Card.Link explanation = explanationLink(ctx);
    if (ctx.order() != null) {
      // At signing the card informs the order; it is not an objection to it (info), and filing
      // a risk assessment is not the task at hand (no suggestion).
      return new Card(
          uuid(ctx, "card").toString(),
          summary,
          detail,
          Card.Indicator.INFO,
          source(d, ctx),
          null,
          null,
          OVERRIDE_REASONS,
          List.of(explanation));
    }
    RiskAssessment ra = riskAssessment(a, ctx);
    Card.Action fileIt =
        new Card.Action(
            "create", "Record the " + d.label() + " as a RiskAssessment", toJson(ra), null);
    List<Card.Suggestion> suggestions =
        suggestions(
            recommendations,
            ctx,
            fileIt,
            ra.getIdentifierFirstRep(),
            d.label() + " " + d.format(a.risk()) + " (" + a.band() + ").");
    suggestions.add(
        new Card.Suggestion(
            "File this risk assessment in the chart",
            uuid(ctx, "suggestion").toString(),
            null,
            List.of(fileIt)));
    // The more urgent of the band's indicator and the recommendations': a recommendation can
    // raise the card (NEWS2 emergency response), never hide a high band behind a data request.
    String urgency = Recommender.moreUrgent(d.band(a.band()).indicator(), recommendations);
    return new Card(
        uuid(ctx, "card").toString(),
        summary,
        detail,
        Card.Indicator.of(urgency),
        source(d, ctx),
        List.copyOf(suggestions),
        "at-most-one",
        OVERRIDE_REASONS,
        List.of(explanation));
  }

  /**
   * The order-select card: whether each selected order of a topic's medication matches what the
   * topic's rule recommends for this patient, with the rule's source; {@code info} (the selection
   * is the clinician's decision, and a mismatch is not an unsafe order). Where the selection falls
   * short of or exceeds the recommendation and the rule proposes a medication, one suggestion
   * replaces the selected draft order with it. Null when no selection was judged (e.g. every rule
   * that applies awaits clinical review).
   */
  public Card selection(Assessment a, Context ctx, List<Recommendation> recommendations) {
    ModelDescriptor d = a.model().descriptor();
    List<Recommendation> judged =
        recommendations.stream()
            .filter(
                r ->
                    r.selection() != null
                        && r.selection().verdict() != Recommender.Verdict.NOT_JUDGED)
            .toList();
    if (judged.isEmpty()) {
      return null;
    }
    List<SelectedText> lines = new ArrayList<>();
    List<String> summaries = new ArrayList<>();
    List<Card.Suggestion> suggestions = new ArrayList<>();
    for (Recommendation r : judged) {
      Recommender.Selection s = r.selection();
      String source = r.guideline() == null ? null : r.guideline().shortTitle();
      String level = Formats.capitalized(s.levelLabel());
      String verdict =
          switch (s.verdict()) {
            case MATCHES -> "Matches the recommendation.";
            case BELOW -> "Less than recommended.";
            case ABOVE -> "More than recommended.";
            case NOT_RECOMMENDED -> "Not what the guideline recommends for this patient now.";
            case NO_RULE -> "No guideline recommendation applies to this patient.";
            case NOT_JUDGED -> throw new IllegalStateException("filtered out");
          };
      // One selection: the summary names the source; several: each in short (140 characters).
      summaries.add(
          judged.size() == 1
              ? switch (s.verdict()) {
                case MATCHES -> level + " selected: as the " + source + " recommends";
                case BELOW, ABOVE -> level + " selected; recommended: " + s.recommended();
                case NOT_RECOMMENDED -> level + " selected: not recommended for this patient now";
                case NO_RULE -> level + " selected: no guideline recommendation applies";
                case NOT_JUDGED -> throw new IllegalStateException("filtered out");
              }
              : switch (s.verdict()) {
                case MATCHES -> level + ": as recommended";
                case BELOW, ABOVE -> level + ": " + s.recommended() + " recommended";
                case NOT_RECOMMENDED -> level + ": not recommended now";
                case NO_RULE -> level + ": no recommendation applies";
                case NOT_JUDGED -> throw new IllegalStateException("filtered out");
              });
      lines.add(
          new SelectedText(
              clean(s.order()),
              s.levelLabel(),
              verdict,
              s.recommended(),
              s.verdict() == Recommender.Verdict.MATCHES ? r.rule().treatmentNote() : null,
              RecommendationCards.lines(List.of(r)).get(0)));
      if ((s.verdict() == Recommender.Verdict.BELOW || s.verdict() == Recommender.Verdict.ABOVE)
          && s.source() != null) {
        for (Recommender.Suggested o : r.offered()) {
          if (!"MedicationRequest".equals(o.orderable().resourceType())) {
            continue;
          }
          suggestions.add(
              new Card.Suggestion(
                  "Replace the selection: " + o.orderable().label(),
                  Recommender.suggestionUuid(ctx.decisionId(), r.rule().id()).toString(),
                  true,
                  List.of(
                      new Card.Action(
                          "delete", "Remove the selected " + clean(s.order()), null, s.source()),
                      new Card.Action(
                          "create",
                          o.orderable().label(),
                          toJson(
                              RecommendationCards.resource(
                                  o.orderable(),
                                  r,
                                  ctx.patientId(),
                                  ctx.time(),
                                  null,
                                  d.label()
                                      + " "
                                      + d.format(a.risk())
                                      + " ("
                                      + a.band()
                                      + "). "
                                      + r.text().trim())),
                          null))));
        }
      }
    }
    String detail =
        Templates.selection(
                new SelectionText(
                    lines,
                    d.label() + ": " + d.format(a.risk()),
                    a.band(),
                    bandRange(d, a.band()),
                    d.points() ? d.predicts() : null,
                    d.points() ? "Items scoring" : "What drove it",
                    drivers(a),
                    d.points()
                        ? "points"
                        : "percentage points against a reference risk of "
                            + Formats.percent(a.baseline()),
                    notes(a),
                    modelLine(a)))
            .render();
    String summary = String.join("; ", summaries);
    if (summary.length() > 140) {
      summary = summary.substring(0, 139) + "…";
    }
    return new Card(
        uuid(ctx, "card").toString(),
        summary,
        detail,
        Card.Indicator.INFO,
        source(d, ctx),
        suggestions.isEmpty() ? null : List.copyOf(suggestions),
        suggestions.isEmpty() ? null : "at-most-one",
        OVERRIDE_REASONS,
        List.of(explanationLink(ctx)));
  }

  /**
   * One suggestion per recommendation that proposes orders: the orders (and, on a scored card, the
   * RiskAssessment they follow from, filed in the same suggestion and named by its identifier as
   * their reason; on a "not calculated" card {@code reasonText} is their reason code's text).
   */
  private List<Card.Suggestion> suggestions(
      List<Recommendation> recommendations,
      Context ctx,
      Card.Action fileIt,
      Identifier riskAssessment,
      String reasonText) {
    List<Card.Suggestion> suggestions = new ArrayList<>();
    for (Recommendation r : recommendations) {
      if (r.offered().isEmpty()) {
        continue;
      }
      List<Card.Action> actions = new ArrayList<>();
      if (fileIt != null) {
        actions.add(fileIt);
      }
      for (Recommender.Suggested s : r.offered()) {
        actions.add(
            new Card.Action(
                "create",
                s.orderable().label(),
                toJson(
                    RecommendationCards.resource(
                        s.orderable(),
                        r,
                        ctx.patientId(),
                        ctx.time(),
                        riskAssessment,
                        reasonText + " " + r.text().trim())),
                null));
      }
      suggestions.add(
          new Card.Suggestion(
              r.offered().stream()
                  .map(s -> s.orderable().label())
                  .collect(Collectors.joining("; ")),
              Recommender.suggestionUuid(ctx.decisionId(), r.rule().id()).toString(),
              true,
              List.copyOf(actions)));
    }
    return suggestions;
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

  /**
   * The three largest contributions, largest first; for a point score every item that scored (a
   * clinician reads a NEWS2 by its scoring parameters, and they are few).
   */
  private static String drivers(Assessment a) {
    ModelDescriptor d = a.model().descriptor();
    return a.attributions().stream()
        .filter(at -> Math.abs(at.contribution()) >= (d.points() ? 0.5 : 0.0005))
        .sorted(
            Comparator.comparingDouble((Assessment.Attribution at) -> -Math.abs(at.contribution())))
        .limit(d.points() ? Long.MAX_VALUE : 3)
        .map(
            at ->
                at.label()
                    + shown(feature(d, at.feature()), at.patientValue())
                    + recordedAs(a, d, at.feature())
                    + " "
                    + (d.points()
                        ? Formats.signedScore(at.contribution())
                        : Formats.signedPercent(at.contribution())))
        .collect(Collectors.joining(", "));
  }

  /**
   * For a point-score item without a physical unit (a coded finding, a comorbidity index), what was
   * recorded: "(heart failure 1; renal disease 2)". A clinician checks those at a glance.
   */
  private static String recordedAs(Assessment a, ModelDescriptor d, String name) {
    FeatureValue v = a.extraction().feature(name);
    ModelDescriptor.Feature f = feature(d, name);
    boolean unitless = f.unit() == null || f.unit().startsWith("{");
    return d.points() && unitless && v != null && v.original() != null
        ? " (" + clean(v.original()) + ")"
        : "";
  }

  /** " 58 years", or " (yes)" for a flag. */
  private static String shown(ModelDescriptor.Feature f, double v) {
    return "1".equals(f.unit()) ? " (" + value(f, v) + ")" : " " + value(f, v);
  }

  /** "systolic BP 120 mm Hg: 6.9 % (-1.9 percentage points)", the order's own one left out. */
  private static String whatIfs(Assessment a, Assessment.WhatIf treatment) {
    ModelDescriptor d = a.model().descriptor();
    // At signing, what-ifs of the inputs the order itself changes would repeat its line.
    List<String> ordered =
        treatment == null ? List.of() : List.of(treatment.feature().split("\\+"));
    return a.whatIfs().stream()
        .filter(w -> w != treatment && !ordered.contains(w.feature()))
        .map(
            w ->
                w.label()
                    + ": "
                    + d.format(w.risk())
                    + " ("
                    + d.formatDifference(w.risk() - a.risk())
                    + ")")
        .collect(Collectors.joining("; "));
  }

  /** The model's further outputs left out for this patient, each with the reason. */
  private static String notEstimated(Assessment a) {
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
    return String.join(". ", lines);
  }

  /** What the clinician should check: stale values, defaults and assumptions, missing data. */
  private static List<String> notes(Assessment a) {
    ModelDescriptor d = a.model().descriptor();
    List<String> notes = new ArrayList<>();
    for (ModelDescriptor.Feature f : d.features()) {
      FeatureValue v = a.extraction().feature(f.name());
      if (v == null) {
        continue;
      }
      if (v.stale() && (v.note() == null || !v.note().contains("stale"))) {
        notes.add(
            f.label()
                + " "
                + (v.date() == null ? "undated" : "of " + Formats.day(v.date()))
                + " is stale.");
      }
      if (v.note() != null) {
        notes.add(f.label() + ": " + clean(v.note()));
      }
    }
    for (String note : a.extraction().notes()) {
      if (notes.stream().noneMatch(r -> r.endsWith(clean(note)))) {
        notes.add(clean(note));
      }
    }
    return notes;
  }

  /**
   * Which value set recognised each coded finding the score used ("Diabetes: Diabetes mellitus type
   * 2, value set [Diabetes 20220924](…)"): a reviewer can see at once that a medication counted,
   * and why.
   */
  private static String coded(Assessment a) {
    ModelDescriptor d = a.model().descriptor();
    List<String> parts = new ArrayList<>();
    for (ModelDescriptor.Feature f : d.features()) {
      FeatureValue v = a.extraction().feature(f.name());
      if (v != null && v.matchedBy() != null) {
        parts.add(f.label() + ": " + clean(v.original()) + ", " + v.matchedBy().markdown());
      }
    }
    return String.join("; ", parts);
  }

  /** The exclusions with the value set each matched, else the assessor's reasons. */
  private static List<String> refusalReasons(Assessment a) {
    List<Extraction.Excluded> excluded = a.extraction().excludedBy();
    if (!"excluded".equals(a.reasonCode())
        || excluded.size() != a.extraction().exclusions().size()) {
      return a.reasons().stream().map(CardFactory::clean).toList();
    }
    return excluded.stream()
        .map(
            e ->
                clean(e.reason() + ": " + e.display())
                    + (e.onset() == null ? "" : " (onset " + e.onset() + ")")
                    + " — "
                    + e.matchedBy().markdown())
        .toList();
  }

  private static String modelLine(Assessment a) {
    ModelDescriptor d = a.model().descriptor();
    return "Model: "
        + d.name()
        + ", version "
        + d.version()
        + "; informs clinical judgement, does not replace it.";
  }

  public Card refused(Assessment a, Context ctx) {
    return refused(a, ctx, List.of());
  }

  /**
   * The "not calculated" card, with what a rule for refusals recommends (e.g. order the missing
   * test) as a suggestion whose resource gives its reason as a code (no risk assessment is filed).
   */
  public Card refused(Assessment a, Context ctx, List<Recommendation> recommendations) {
    ModelDescriptor d = a.model().descriptor();
    String why =
        switch (a.reasonCode()) {
          case "excluded" -> exclusionReason(a) + " (outside the intended population)";
          case "missing-input" -> "required data missing";
          case "out-of-range" -> "outside the validated range";
          default -> "not applicable";
        };
    String detail =
        Templates.refused(
                new RefusedText(
                    "No risk was calculated.",
                    d.name(),
                    refusalReasons(a),
                    RecommendationCards.lines(recommendations),
                    modelLine(a)))
            .render();
    List<Card.Suggestion> suggestions =
        suggestions(recommendations, ctx, null, null, d.label() + " not calculated: " + why + ".");
    String urgency = Recommender.urgency(recommendations);
    return new Card(
        uuid(ctx, "card").toString(),
        d.label() + " not calculated: " + why,
        detail,
        urgency == null ? Card.Indicator.INFO : Card.Indicator.of(urgency),
        source(d, ctx),
        suggestions.isEmpty() ? null : List.copyOf(suggestions),
        suggestions.isEmpty() ? null : "at-most-one",
        suggestions.isEmpty() ? null : OVERRIDE_REASONS,
        List.of(explanationLink(ctx)));
  }

  /**
   * The card of an imaging model's result: band and probability (and, for a demonstration model,
   * that it is one) in the summary; where the model looked and the model's notice in the detail;
   * the explanation page (image, saliency overlay, DICOM identifiers, preprocessing) as its link.
   */
  public Card imaging(ImagingResult r, Context ctx) {
    return new Card(
        uuid(ctx, "card").toString(),
        r.summary(),
        r.detail(),
        Card.Indicator.of(r.band().indicator()),
        imagingSource(r.model()),
        null,
        null,
        null,
        List.of(imagingLink(ctx)));
  }

  /**
   * An imaging model could not score the study (the PACS is down or slow, no series fits, an
   * attribute is not what the model card requires): why, and the model's notice.
   */
  public Card imagingRefused(ImageModelDescriptor d, String reason, Context ctx) {
    String notice = d.notice() == null ? "" : "\n\n**" + d.notice() + "**";
    return new Card(
        uuid(ctx, "card").toString(),
        d.label() + " not calculated" + (d.demonstration() ? " (DEMONSTRATION model)" : ""),
        "No result: " + reason + notice,
        Card.Indicator.INFO,
        imagingSource(d),
        null,
        null,
        null,
        List.of(imagingLink(ctx)));
  }

  private static Card.Source imagingSource(ImageModelDescriptor d) {
    return new Card.Source("Clarion · " + d.name() + " " + d.version(), null, null, null);
  }

  private Card.Link imagingLink(Context ctx) {
    return new Card.Link(
        "Explanation: the image read, where the model looked, the model card",
        ctx.baseUrl() + explanations.path(ctx.decisionId(), ctx.time()),
        "absolute");
  }

  /** The binding's reason of the first exclusion, e.g. "ASCVD history". */
  private static String exclusionReason(Assessment a) {
    String first = a.reasons().isEmpty() ? "excluded" : a.reasons().get(0);
    int colon = first.indexOf(':');
    return colon > 0 ? first.substring(0, colon) : first;
  }

  private RiskAssessment riskAssessment(Assessment a, Context ctx) {
    ModelDescriptor d = a.model().descriptor();
    RiskAssessment ra = new RiskAssessment();
    ra.getMeta().addProfile(RISK_ASSESSMENT_PROFILE);
    ra.addIdentifier(
        new Identifier().setSystem("urn:ietf:rfc:3986").setValue("urn:uuid:" + ctx.decisionId()));
    ra.setStatus(RiskAssessment.RiskAssessmentStatus.FINAL);
    ra.setSubject(new Reference("Patient/" + ctx.patientId()));
    ra.setOccurrence(new DateTimeType(Date.from(ctx.time())));
    Coding method =
        new Coding(ModelDescriptor.CODE_SYSTEM, d.id(), d.name()).setVersion(d.version());
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
      p.setWhen(years(d.horizonYears()));
    }
    // One prediction per further output reported for this patient (e.g. KFRE 2-year, PREVENT
    // ASCVD and heart failure), so the chart holds what the card said.
    for (Assessment.AlsoReport r : a.alsoReports()) {
      RiskAssessment.RiskAssessmentPredictionComponent more = ra.addPrediction();
      more.setOutcome(new CodeableConcept().setText(r.label()));
      more.setProbability(
          new DecimalType(BigDecimal.valueOf(r.risk()).setScale(6, RoundingMode.HALF_UP)));
      ModelDescriptor.AlsoReport declared = d.alsoReport(r.output());
      if (declared != null && declared.horizonYears() != null) {
        more.setWhen(years(declared.horizonYears()));
      }
    }
    return ra;
  }

  private static Range years(double n) {
    return new Range()
        .setHigh(
            new Quantity()
                .setValue(n)
                .setUnit("years")
                .setSystem("http://unitsofmeasure.org")
                .setCode("a"));
  }

  private JsonNode toJson(org.hl7.fhir.r4.model.Resource resource) {
    try {
      return mapper.readTree(fhir.newJsonParser().encodeResourceToString(resource));
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
          return "≥ " + Formats.plain(lower * 100) + " %";
        }
        return lower == 0
            ? "< " + Formats.plain(b.upper() * 100) + " %"
            : Formats.plain(lower * 100) + "–" + Formats.plain(b.upper() * 100) + " %";
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
        String not =
            d.bandsNotCounting() == null
                ? ""
                : ", not counting "
                    + d.features().get(d.featureIndex(d.bandsNotCounting())).label();
        return (b.upper() == null
                ? Formats.plain(lower) + " points or more"
                : b.upper() - 1 == lower
                    ? Formats.plain(lower) + (lower == 1 ? " point" : " points")
                    : Formats.plain(lower) + "–" + Formats.plain(b.upper() - 1) + " points")
            + not;
      }
      lower = b.upper() == null ? lower : b.upper();
    }
    return band;
  }

  static String value(ModelDescriptor.Feature f, double v) {
    return Formats.quantity(v, f.unit());
  }

  /** Resource text on one line, so it cannot break the card's Markdown structure. */
  private static String clean(String text) {
    return text.replace("\r", " ").replace("\n", " ").trim();
  }
}
