package dev.clarion.recommend;

import java.util.List;
import java.util.Map;

/**
 * A model's {@code recommendations.json}: what the guideline (or site policy) written for that
 * model recommends for a patient, as data. Loaded and checked with the model by {@link
 * RecommendationFiles}; evaluated per call by {@link Recommender}.
 *
 * <p>Rules belong to a topic (lipid-lowering therapy, blood pressure, nephrology referral …);
 * several topics may each give a recommendation on one card. Within a topic, the <em>ladder</em>
 * rules split one value (a risk, a score) into ranges that neither overlap nor leave a gap (checked
 * at load), under the topic's population guard; <em>override</em> rules carry their own condition
 * and an explicit precedence, and the highest-precedence override that holds wins over the ladder.
 *
 * @param model the model id these rules are written for (a rule is applied only to its model)
 * @param description what the file covers, in words
 * @param guidelines guideline key → the publication (or site policy) a rule cites
 * @param topics topic key → its ladder, population guard and label
 * @param orderables orderable key → the FHIR resource a suggestion proposes
 * @param rules every rule, ladder and override
 */
public record RecommendationRules(
    String model,
    String description,
    Map<String, Guideline> guidelines,
    Map<String, Topic> topics,
    Map<String, Orderable> orderables,
    List<Rule> rules) {

  /** No rules: the model has no {@code recommendations.json}. */
  public static final RecommendationRules NONE =
      new RecommendationRules(null, null, Map.of(), Map.of(), Map.of(), List.of());

  public boolean isEmpty() {
    return rules == null || rules.isEmpty();
  }

  /**
   * The source a rule cites.
   *
   * @param title the full title as published
   * @param shortTitle how the card names it ("ACC/AHA 2026 dyslipidemia guideline")
   * @param year edition year
   * @param citation authors, journal, volume, DOI
   * @param url where it is published
   * @param kind {@code guideline}, {@code recommendation-statement} (e.g. USPSTF) or {@code
   *     site-policy} (not a guideline: the card says so)
   * @param gradeLabel how the card prefixes a rule's class ("class" for ACC/AHA, "grade" for
   *     USPSTF); null: the class is shown as written (e.g. "ungraded practice point")
   * @param replaces the edition it replaces, if any
   * @param transcription how the rules were transcribed from it (what was read, what was not)
   */
  public record Guideline(
      String title,
      String shortTitle,
      Integer year,
      String citation,
      String url,
      String kind,
      String gradeLabel,
      String replaces,
      String transcription) {

    public boolean sitePolicy() {
      return "site-policy".equals(kind);
    }
  }

  /**
   * A topic: one recommendation at most per card.
   *
   * @param label "Lipid-lowering therapy"
   * @param ladder the value the ladder rules split into ranges, and where the ranges start; null: a
   *     topic of override rules only
   * @param when the population the ladder is for (each named value must hold); null: everyone the
   *     model scores
   * @param whenAny besides {@code when}, at least one of these must hold (e.g. at least one
   *     cardiovascular risk factor); null: no such test
   * @param otherwise why no rule of the topic applies when none does (the card and record say it)
   * @param treatment the medication the topic's rules recommend, by level (statin intensity): what
   *     an order-select service compares a selected order with; null: the topic recommends no
   *     medication a clinician selects
   */
  public record Topic(
      String label,
      Ladder ladder,
      Map<String, Condition> when,
      Map<String, Condition> whenAny,
      String otherwise,
      Treatment treatment) {}

  /**
   * How a topic's recommended medication is measured: a binding input or recorded fact read from
   * medication orders ({@code statinIntensity}: which CMS347 intensity value set the drug is in;
   * {@code bpTreated}: any antihypertensive), applied to the orders a clinician selects.
   *
   * @param on the binding input or recorded fact (a MedicationRequest one)
   * @param what the medication in words ("statin", "BP-lowering medication")
   * @param levels the fact's value → the level in words ("3" → "high-intensity statin")
   */
  public record Treatment(String on, String what, Map<String, String> levels) {

    /** The level in words, or the medication's name when the level has none. */
    public String level(double value) {
      String key = value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
      return levels.getOrDefault(key, what);
    }
  }

  /**
   * @param on the value split: {@code risk} (the model's output), a further output ({@code
   *     ascvd10}), a model input or a recorded fact
   * @param from the lowest value of the first range (inclusive)
   */
  public record Ladder(String on, double from) {}

  /**
   * A test on one value. Bounds combine (all must hold); {@code missing: true} holds only when the
   * value was not found, and any bound fails on a missing value; {@code stale: true} holds for a
   * value found but older than its binding's {@code staleAfterDays} ({@code false}: found and
   * current).
   */
  public record Condition(
      Double atLeast,
      Double above,
      Double below,
      Double atMost,
      Double equals,
      Boolean missing,
      Boolean stale) {

    public boolean holds(Double v, boolean isStale) {
      if (stale != null && (v == null || stale != isStale)) {
        return false;
      }
      if (missing != null) {
        if (missing) {
          return v == null;
        }
        if (v == null) {
          return false;
        }
      }
      if (v == null) {
        return false;
      }
      return (atLeast == null || v >= atLeast)
          && (above == null || v > above)
          && (below == null || v < below)
          && (atMost == null || v <= atMost)
          && (equals == null || v.doubleValue() == equals);
    }

    /** The test in words for a page: {@code age ≥ 40, ≤ 75}; {@code ldl missing}. */
    public String describe(String name) {
      List<String> parts = new java.util.ArrayList<>();
      if (Boolean.TRUE.equals(missing)) {
        parts.add("missing");
      }
      if (Boolean.FALSE.equals(missing)) {
        parts.add("recorded");
      }
      if (stale != null) {
        parts.add(stale ? "stale" : "current");
      }
      bound(parts, "≥", atLeast);
      bound(parts, ">", above);
      bound(parts, "<", below);
      bound(parts, "≤", atMost);
      bound(parts, "=", equals);
      return name + " " + String.join(", ", parts);
    }

    private static void bound(List<String> parts, String op, Double v) {
      if (v != null) {
        parts.add(
            op
                + " "
                + (v == Math.rint(v) && Math.abs(v) < 1e9
                    ? Long.toString(v.longValue())
                    : v.toString()));
      }
    }

    boolean empty() {
      return atLeast == null
          && above == null
          && below == null
          && atMost == null
          && equals == null
          && missing == null
          && stale == null;
    }

    /**
     * The lowest value that holds, as a ladder compares ranges: {@code atLeast} or {@code above}.
     */
    Double lower() {
      return atLeast != null ? atLeast : above;
    }

    /** The highest: {@code below} or {@code atMost}; null: unbounded. */
    Double upper() {
      return below != null ? below : atMost;
    }
  }

  /**
   * A FHIR resource a suggestion proposes: a MedicationRequest ({@code draft}, {@code proposal}) or
   * a ServiceRequest ({@code draft}, {@code proposal}).
   *
   * @param resourceType {@code MedicationRequest} or {@code ServiceRequest}
   * @param label what the suggestion button says ("Order atorvastatin 40 mg daily")
   * @param code the coding (checked at load to be a member of {@code valueSet} when one is named);
   *     null for a referral that no published value set codes (then {@code text} is the code's
   *     text)
   * @param valueSet canonical URL of the published value set the code is taken from
   * @param text the code's text (required without a code)
   * @param category ServiceRequest category code from http://snomed.info/sct (e.g. 108252007
   *     laboratory procedure, 3457005 patient referral)
   * @param dosage MedicationRequest dosage instruction text
   * @param skipWhen recorded value → condition: when it holds, the suggestion is not offered (e.g.
   *     already on a statin of that intensity); the card says {@code skipNote}
   * @param skipNote why it was not offered
   */
  public record Orderable(
      String resourceType,
      String label,
      Coding code,
      String valueSet,
      String text,
      Coding category,
      String dosage,
      Map<String, Condition> skipWhen,
      String skipNote) {}

  public record Coding(String system, String code, String display) {}

  /**
   * One rule.
   *
   * @param id stable id (recorded with the decision; acceptance is monitored per id)
   * @param version the rule's version; a change to its condition or text is a new version
   * @param topic its topic key
   * @param guideline its guideline key
   * @param section the guideline's section, table or figure the rule transcribes
   * @param classOfRecommendation as the guideline grades it (ACC/AHA COR "1", "2a" …; USPSTF grade
   *     "B"); null where the guideline gives none or it could not be transcribed
   * @param levelOfEvidence as the guideline grades it (ACC/AHA LOE "A", "B-R" …); null likewise
   * @param range ladder rules: the range of the topic's ladder value; null for an override
   * @param precedence override rules: unique within the topic, higher wins; null for a ladder rule
   * @param when override rules: the condition (each named value must hold)
   * @param whenAny override rules: besides {@code when}, at least one of these must hold
   * @param outcome {@code scored} (default) or {@code refused}: a rule for a patient the model
   *     could not score (e.g. no UACR → order one)
   * @param recommendation what to do, one or two sentences, as the guideline says it
   * @param urgency the card indicator this recommendation asks for: info, warning or critical
   * @param suggest orderable keys offered as suggestions
   * @param treatment the level of the topic's {@link Treatment} this rule recommends (e.g. {@code
   *     atLeast 2}: at least a moderate-intensity statin); null: the rule recommends no such
   *     medication (lifestyle, a test first). A selected order is compared with it.
   * @param treatmentNote when the rule recommends the medication only under a condition the model
   *     does not see ("when risk-enhancing factors are present"): said beside a matching selection
   * @param review who reviewed this rule version clinically and when; a rule without one does not
   *     activate in a production run
   */
  public record Rule(
      String id,
      String version,
      String topic,
      String guideline,
      String section,
      String classOfRecommendation,
      String levelOfEvidence,
      Condition range,
      Integer precedence,
      Map<String, Condition> when,
      Map<String, Condition> whenAny,
      String outcome,
      String recommendation,
      String urgency,
      List<String> suggest,
      Condition treatment,
      String treatmentNote,
      Review review) {

    public boolean ladder() {
      return precedence == null;
    }

    public boolean forRefusals() {
      return "refused".equals(outcome);
    }

    /**
     * Its strength as its source grades it: "class 1, LOE A", "grade B"; empty when ungraded.
     *
     * @param source the rule's guideline (for its grade label)
     */
    public String strength(Guideline source) {
      List<String> parts = new java.util.ArrayList<>();
      if (classOfRecommendation != null) {
        parts.add(
            (source.gradeLabel() == null ? "" : source.gradeLabel() + " ") + classOfRecommendation);
      }
      if (levelOfEvidence != null) {
        parts.add("LOE " + levelOfEvidence);
      }
      return String.join(", ", parts);
    }
  }

  /**
   * @param by the clinician (name and role) who checked the rule against the guideline
   * @param on the date (ISO 8601)
   */
  public record Review(String by, String on) {}
}
