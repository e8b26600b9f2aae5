package dev.clarion.recommend;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.binding.BindingExtractor;
import dev.clarion.binding.FeatureValue;
import dev.clarion.recommend.RecommendationRules.Condition;
import dev.clarion.recommend.RecommendationRules.Guideline;
import dev.clarion.recommend.RecommendationRules.Orderable;
import dev.clarion.recommend.RecommendationRules.Rule;
import dev.clarion.recommend.RecommendationRules.Topic;
import dev.clarion.risk.Assessment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Applies a model's recommendation rules to one assessment: per topic, the highest-precedence
 * override rule that holds, else the ladder rule whose range holds the topic's value (when the
 * topic's population guard holds), else none — and why. Pure functions; thread-safe.
 */
public final class Recommender {

  /** The name rules use for the model's own output. */
  public static final String RISK = "risk";

  /**
   * For a point score: the most points any one item scored (NEWS2's "single red parameter" is an
   * item scoring 3).
   */
  public static final String MAX_ITEM_POINTS = "maxItemPoints";

  private Recommender() {}

  /** How a selected order compares with what the topic's rule recommends for this patient. */
  public enum Verdict {
    /** The selection is the medication, at the level, the rule recommends. */
    MATCHES,
    /** A lower level than the rule recommends (a moderate-intensity statin where high is). */
    BELOW,
    /** A higher level than the rule recommends. */
    ABOVE,
    /** The rule that applies recommends no such medication (lifestyle, a test first). */
    NOT_RECOMMENDED,
    /** No rule of the topic applies to this patient ({@code text} says why). */
    NO_RULE,
    /** The rule that applies awaits clinical review (production): the selection is not judged. */
    NOT_JUDGED
  }

  /**
   * A selected order compared with the recommendation of its topic.
   *
   * @param order the selected drug as ordered ("atorvastatin 80 MG Oral Tablet")
   * @param source the draft order it came from ({@code MedicationRequest/id})
   * @param level its level (e.g. statin intensity 3)
   * @param levelLabel the level in words ("high-intensity statin")
   * @param verdict how it compares
   * @param recommended what the rule recommends in words ("high-intensity statin", "at least
   *     moderate-intensity statin"); null when it recommends none
   */
  public record Selection(
      String order,
      String source,
      double level,
      String levelLabel,
      Verdict verdict,
      String recommended) {}

  /** Whether a recommendation applies, none does, or its rule awaits clinical review. */
  public enum Status {
    /** The rule's recommendation is shown, with its suggestions. */
    APPLIES,
    /** No rule of the topic applies to this patient; {@code text} says why. */
    NONE,
    /** A rule applies but has no clinical review recorded, and this is a production run. */
    WITHHELD
  }

  /**
   * A suggestion offered (or skipped) for a recommendation.
   *
   * @param key the orderable's key in the rules file
   * @param orderable what it proposes
   * @param skipped why it is not offered (e.g. already on a statin of that intensity); null:
   *     offered
   */
  public record Suggested(String key, Orderable orderable, String skipped) {}

  /**
   * One topic's result for the patient.
   *
   * @param topic topic key
   * @param topicLabel "Lipid-lowering therapy"
   * @param status applies, none or withheld
   * @param rule the rule that fired (null for none)
   * @param guideline the rule's source (null for none)
   * @param text the recommendation, or why none applies / why it is withheld
   * @param suggested the rule's orderables, offered or skipped
   * @param selection at order-select, the selected order of this topic's medication compared with
   *     the recommendation; null when none is selected
   */
  public record Recommendation(
      String topic,
      String topicLabel,
      Status status,
      Rule rule,
      Guideline guideline,
      String text,
      List<Suggested> suggested,
      Selection selection) {

    Recommendation(
        String topic,
        String topicLabel,
        Status status,
        Rule rule,
        Guideline guideline,
        String text,
        List<Suggested> suggested) {
      this(topic, topicLabel, status, rule, guideline, text, suggested, null);
    }

    Recommendation judged(Topic t, Assessment a) {
      if (t.treatment() == null) {
        return this;
      }
      FeatureValue selected = fact(BindingExtractor.SELECTED + t.treatment().on(), a);
      if (selected == null || selected.value() == null) {
        return this;
      }
      double level = selected.value();
      Condition wanted = rule == null ? null : rule.treatment();
      Verdict verdict =
          switch (status) {
            case NONE -> Verdict.NO_RULE;
            case WITHHELD -> Verdict.NOT_JUDGED;
            case APPLIES -> {
              if (wanted == null) {
                yield Verdict.NOT_RECOMMENDED;
              }
              if (wanted.holds(level, false)) {
                yield Verdict.MATCHES;
              }
              Double lower = wanted.lower();
              yield lower != null && level < lower ? Verdict.BELOW : Verdict.ABOVE;
            }
          };
      // At order-select the card proposes only a replacement of a selection that falls short of
      // or exceeds the recommendation; what it does not propose is recorded as skipped, and why.
      List<Suggested> proposed = new ArrayList<>();
      for (Suggested s : suggested) {
        boolean replaces =
            (verdict == Verdict.BELOW || verdict == Verdict.ABOVE)
                && "MedicationRequest".equals(s.orderable().resourceType());
        proposed.add(
            s.skipped() != null || replaces
                ? s
                : new Suggested(
                    s.key(),
                    s.orderable(),
                    "MedicationRequest".equals(s.orderable().resourceType())
                        ? "the selection is compared with the recommendation, not replaced."
                        : "order-select proposes no test or referral."));
      }
      return new Recommendation(
          topic,
          topicLabel,
          status,
          rule,
          guideline,
          text,
          List.copyOf(proposed),
          new Selection(
              selected.original() == null ? t.treatment().what() : selected.original(),
              selected.source(),
              level,
              t.treatment().level(level),
              verdict,
              wanted == null || status != Status.APPLIES ? null : recommended(t, wanted)));
    }

    /** The orderables actually offered. */
    public List<Suggested> offered() {
      return suggested.stream().filter(s -> s.skipped() == null).toList();
    }
  }

  /** A value as rules see it: the number, and whether it is stale. */
  record Value(Double value, boolean stale) {}

  /**
   * Every topic's recommendation for this assessment; topics with no rule for its outcome (e.g. a
   * refused assessment and a topic of scored rules only) are left out, and a failed assessment has
   * none.
   *
   * @param production whether this is a production run (unreviewed rules are then withheld)
   */
  public static List<Recommendation> evaluate(
      RecommendationRules rules, Assessment a, boolean production) {
    if (rules.isEmpty() || a.outcome() == Assessment.Outcome.FAILED) {
      return List.of();
    }
    boolean refused = a.outcome() == Assessment.Outcome.REFUSED;
    List<Recommendation> out = new ArrayList<>();
    for (Map.Entry<String, Topic> e : rules.topics().entrySet()) {
      String key = e.getKey();
      Topic topic = e.getValue();
      List<Rule> candidates =
          rules.rules().stream()
              .filter(r -> key.equals(r.topic()) && r.forRefusals() == refused)
              .toList();
      if (candidates.isEmpty()) {
        continue;
      }
      Recommendation r =
          recommendation(rules, key, topic, winner(topic, candidates, a), a, production);
      if (r != null) {
        out.add(r.judged(topic, a));
      }
    }
    return List.copyOf(out);
  }

  /** One topic's recommendation given the rule that won (null: none), or null to leave it out. */
  private static Recommendation recommendation(
      RecommendationRules rules,
      String key,
      Topic topic,
      Rule winner,
      Assessment a,
      boolean production) {
    if (winner == null) {
      // A "not calculated" card only says what to do, never what does not apply.
      return a.outcome() == Assessment.Outcome.REFUSED
          ? null
          : new Recommendation(
              key, topic.label(), Status.NONE, null, null, topic.otherwise(), List.of());
    }
    Guideline g = rules.guidelines().get(winner.guideline());
    if (production && winner.review() == null) {
      return new Recommendation(
          key,
          topic.label(),
          Status.WITHHELD,
          winner,
          g,
          "Rule "
              + winner.id()
              + " "
              + winner.version()
              + " has no clinical review recorded at this site, so its recommendation is"
              + " not shown.",
          List.of());
    }
    List<Suggested> suggested = new ArrayList<>();
    if (winner.suggest() != null) {
      for (String s : winner.suggest()) {
        Orderable o = rules.orderables().get(s);
        boolean skip = o.skipWhen() != null && all(o.skipWhen(), a);
        suggested.add(new Suggested(s, o, skip ? o.skipNote() : null));
      }
    }
    return new Recommendation(
        key,
        topic.label(),
        Status.APPLIES,
        winner,
        g,
        winner.recommendation(),
        List.copyOf(suggested));
  }

  /** The override of highest precedence that holds, else the ladder rule, else null. */
  static Rule winner(Topic topic, List<Rule> candidates, Assessment a) {
    List<Rule> overrides =
        candidates.stream()
            .filter(r -> !r.ladder())
            .sorted(Comparator.comparingInt((Rule r) -> r.precedence()).reversed())
            .toList();
    for (Rule o : overrides) {
      if (all(o.when(), a) && any(o.whenAny(), a)) {
        return o;
      }
    }
    if (topic.ladder() == null
        || (topic.when() != null && !all(topic.when(), a))
        || !any(topic.whenAny(), a)) {
      return null;
    }
    Value v = value(topic.ladder().on(), a);
    if (v.value() == null) {
      return null;
    }
    for (Rule r : candidates) {
      if (r.ladder() && r.range().holds(v.value(), v.stale())) {
        return r;
      }
    }
    return null; // below the ladder's start
  }

  /** At least one holds; true when there is nothing to test. */
  static boolean any(Map<String, Condition> whenAny, Assessment a) {
    if (whenAny == null || whenAny.isEmpty()) {
      return true;
    }
    for (Map.Entry<String, Condition> c : whenAny.entrySet()) {
      Value v = value(c.getKey(), a);
      if (c.getValue().holds(v.value(), v.stale())) {
        return true;
      }
    }
    return false;
  }

  static boolean all(Map<String, Condition> when, Assessment a) {
    for (Map.Entry<String, Condition> c : when.entrySet()) {
      Value v = value(c.getKey(), a);
      if (!c.getValue().holds(v.value(), v.stale())) {
        return false;
      }
    }
    return true;
  }

  /** The named value of this assessment: output, further output, input or recorded fact. */
  static Value value(String name, Assessment a) {
    if (RISK.equals(name)) {
      return new Value(a.scored() ? a.risk() : null, false);
    }
    if (MAX_ITEM_POINTS.equals(name)) {
      return new Value(
          a.scored() && !a.attributions().isEmpty()
              ? a.attributions().stream()
                  .mapToDouble(Assessment.Attribution::contribution)
                  .max()
                  .getAsDouble()
              : null,
          false);
    }
    for (Assessment.AlsoReport r : a.alsoReports()) {
      if (r.output().equals(name)) {
        return new Value(r.risk(), false);
      }
    }
    FeatureValue f = fact(name, a);
    return f == null ? new Value(null, false) : new Value(f.value(), f.stale());
  }

  /**
   * What a rule's treatment condition recommends, in words: "high-intensity statin", "at least
   * moderate-intensity statin", "BP-lowering medication".
   */
  static String recommended(Topic t, Condition wanted) {
    Double lower = wanted.lower();
    Double upper = wanted.upper();
    double highest =
        t.treatment().levels().keySet().stream().mapToDouble(Double::parseDouble).max().orElse(1);
    if (lower == null) {
      return t.treatment().what();
    }
    String at = t.treatment().level(lower);
    boolean open = upper == null || upper >= highest;
    return open && lower < highest ? "at least " + at : at;
  }

  /** An input or recorded fact of the assessment, or null. */
  static FeatureValue fact(String name, Assessment a) {
    FeatureValue f = a.extraction().feature(name);
    return f != null
        ? f
        : a.extraction().recorded().stream()
            .filter(x -> x.name().equals(name))
            .findFirst()
            .orElse(null);
  }

  /**
   * The uuid of the card suggestion that carries a rule's orders in a decision (stable: feedback
   * names it, and monitoring counts acceptance per rule by it).
   */
  public static java.util.UUID suggestionUuid(java.util.UUID decisionId, String ruleId) {
    return java.util.UUID.nameUUIDFromBytes(
        (decisionId + "/suggestion/" + ruleId).getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** The more urgent of {@code indicator} and the recommendations that apply. */
  public static String moreUrgent(String indicator, List<Recommendation> recommendations) {
    String r = urgency(recommendations);
    List<String> order = List.of("info", "warning", "critical");
    return r == null || order.indexOf(indicator) >= order.indexOf(r) ? indicator : r;
  }

  /** The most urgent recommendation that applies, else null. */
  public static String urgency(List<Recommendation> recommendations) {
    List<String> order = List.of("info", "warning", "critical");
    return recommendations.stream()
        .filter(r -> r.status() == Status.APPLIES)
        .map(r -> r.rule().urgency())
        .max(Comparator.comparingInt(order::indexOf))
        .orElse(null);
  }

  /**
   * What a decision records of its recommendations (and replay compares): per topic the rule id and
   * version, the status, the orderables offered and skipped, the uuid of the card suggestion that
   * offers them, and at order-select how the selected order compares with the recommendation.
   */
  public static ArrayNode recorded(
      List<Recommendation> recommendations, java.util.UUID decisionId, ObjectMapper mapper) {
    ArrayNode all = mapper.createArrayNode();
    for (Recommendation r : recommendations) {
      ObjectNode n = all.addObject();
      if (!r.offered().isEmpty()) {
        // The card's suggestion for this rule: accepted suggestions are counted per rule.
        n.put("suggestion", suggestionUuid(decisionId, r.rule().id()).toString());
      }
      n.put("topic", r.topic());
      n.put("label", r.topicLabel());
      n.put("status", r.status().name().toLowerCase());
      n.put("text", r.text());
      if (r.rule() != null) {
        n.put("rule", r.rule().id());
        n.put("version", r.rule().version());
        n.put("guideline", r.rule().guideline());
        n.put("source", r.guideline().shortTitle());
        n.put("edition", r.guideline().year());
        n.put("kind", r.guideline().kind());
        n.put("section", r.rule().section());
        n.put("class", r.rule().classOfRecommendation());
        n.put("level", r.rule().levelOfEvidence());
        n.put("urgency", r.rule().urgency());
        n.put("reviewed", r.rule().review() != null);
      }
      ArrayNode offered = n.putArray("suggested");
      ArrayNode skipped = n.putArray("skipped");
      for (Suggested s : r.suggested()) {
        (s.skipped() == null ? offered : skipped).add(s.key());
      }
      if (r.selection() != null) {
        Selection sel = r.selection();
        ObjectNode selection = n.putObject("selection");
        selection.put("order", sel.order());
        selection.put("source", sel.source());
        selection.put("level", sel.level());
        selection.put("levelLabel", sel.levelLabel());
        selection.put("verdict", sel.verdict().name().toLowerCase());
        selection.put("recommended", sel.recommended());
      }
    }
    return all;
  }
}
