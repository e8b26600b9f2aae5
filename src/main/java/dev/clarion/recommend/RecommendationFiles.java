package dev.clarion.recommend;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.binding.Binding;
import dev.clarion.error.DefinitionException;
import dev.clarion.model.ModelDescriptor;
import dev.clarion.recommend.RecommendationRules.Condition;
import dev.clarion.recommend.RecommendationRules.Guideline;
import dev.clarion.recommend.RecommendationRules.Orderable;
import dev.clarion.recommend.RecommendationRules.Rule;
import dev.clarion.recommend.RecommendationRules.Topic;
import dev.clarion.terminology.ValueSetExpansion;
import dev.clarion.terminology.ValueSetLibrary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Reads and checks a model's {@code recommendations.json} at start-up (and at every reload): every
 * value a rule names must be one the model reports or its binding extracts, every coded suggestion
 * must be a member of the published value set it names (with that display), and within a topic the
 * ladder's ranges must neither overlap nor leave a gap, and override precedences must be distinct.
 * A problem stops the load with a {@link DefinitionException} naming the file and the field.
 */
public final class RecommendationFiles {

  /** The file beside {@code model.json}. */
  public static final String FILE = "recommendations.json";

  private static final ObjectMapper READER =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private static final Set<String> KINDS =
      Set.of("guideline", "recommendation-statement", "site-policy");
  private static final Set<String> URGENCIES = Set.of("info", "warning", "critical");
  private static final Set<String> RESOURCE_TYPES = Set.of("MedicationRequest", "ServiceRequest");

  private RecommendationFiles() {}

  /** The rules in {@code folder}, or {@link RecommendationRules#NONE} when it has no file. */
  public static RecommendationRules load(
      Path folder, ModelDescriptor model, Binding binding, ValueSetLibrary valueSets) {
    Path file = folder.resolve(FILE);
    if (!Files.exists(file)) {
      return RecommendationRules.NONE;
    }
    RecommendationRules rules;
    try {
      rules = READER.readValue(file.toFile(), RecommendationRules.class);
    } catch (IOException e) {
      throw new DefinitionException(
          file, "is not a valid recommendations file: " + e.getMessage(), e);
    }
    validate(file, rules, model, binding, valueSets);
    return rules;
  }

  /**
   * The values a rule may name: the model's output, its further outputs, inputs, recorded facts.
   */
  static Set<String> values(ModelDescriptor model, Binding binding) {
    Set<String> names = new LinkedHashSet<>();
    names.add(Recommender.RISK);
    if (model.points()) {
      names.add(Recommender.MAX_ITEM_POINTS);
    }
    if (model.alsoReports() != null) {
      model.alsoReports().forEach(r -> names.add(r.output()));
    }
    model.features().forEach(f -> names.add(f.name()));
    if (binding.recorded() != null) {
      names.addAll(binding.recorded().keySet());
    }
    return names;
  }

  static void validate(
      Path file,
      RecommendationRules r,
      ModelDescriptor model,
      Binding binding,
      ValueSetLibrary valueSets) {
    if (!model.id().equals(r.model())) {
      throw new DefinitionException(file, "model", "must be '" + model.id() + "'");
    }
    Set<String> values = values(model, binding);
    require(file, "guidelines", r.guidelines() != null && !r.guidelines().isEmpty(), "is required");
    r.guidelines().forEach((key, g) -> guideline(file, "guidelines." + key, g));
    require(file, "topics", r.topics() != null && !r.topics().isEmpty(), "is required");
    r.topics().forEach((key, t) -> topic(file, "topics." + key, t, values, binding));
    Map<String, Orderable> orderables = r.orderables() == null ? Map.of() : r.orderables();
    orderables.forEach((key, o) -> orderable(file, "orderables." + key, o, values, valueSets));
    require(file, "rules", r.rules() != null && !r.rules().isEmpty(), "is required");
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < r.rules().size(); i++) {
      Rule rule = r.rules().get(i);
      String at = "rules[" + i + "]";
      require(file, at, rule != null, "is empty");
      require(file, at + ".id", rule.id() != null && !rule.id().isBlank(), "is required");
      at = "rules[" + i + "] (" + rule.id() + ")";
      require(file, at + ".id", ids.add(rule.id()), "is used twice");
      require(file, at + ".version", rule.version() != null, "is required");
      require(file, at + ".topic", r.topics().containsKey(rule.topic()), "names no topic");
      require(
          file,
          at + ".guideline",
          r.guidelines().containsKey(rule.guideline()),
          "names no guideline");
      require(file, at + ".section", rule.section() != null, "is required (cite the source)");
      require(file, at + ".recommendation", rule.recommendation() != null, "is required");
      require(
          file,
          at + ".urgency",
          URGENCIES.contains(rule.urgency()),
          "must be one of info, warning, critical");
      require(
          file,
          at + ".outcome",
          rule.outcome() == null || Set.of("scored", "refused").contains(rule.outcome()),
          "must be scored or refused");
      if (rule.suggest() != null) {
        for (String s : rule.suggest()) {
          require(
              file, at + ".suggest", orderables.containsKey(s), "names no orderable '" + s + "'");
        }
      }
      if (rule.review() != null) {
        review(file, at + ".review", rule.review());
      }
      Topic topic = r.topics().get(rule.topic());
      if (rule.treatment() != null) {
        require(
            file,
            at + ".treatment",
            topic.treatment() != null,
            "needs a treatment on topic '" + rule.topic() + "'");
        require(
            file,
            at + ".treatment",
            !rule.treatment().empty() && rule.treatment().lower() != null,
            "must give the lowest level recommended (atLeast or above)");
      }
      require(
          file,
          at + ".treatmentNote",
          rule.treatmentNote() == null || rule.treatment() != null,
          "is for a rule with a treatment");
      if (rule.ladder()) {
        require(
            file,
            at + ".precedence",
            topic.ladder() != null,
            "is required: topic '" + rule.topic() + "' has no ladder");
        require(file, at + ".range", rule.range() != null, "is required for a ladder rule");
        require(
            file, at + ".when", rule.when() == null, "is for override rules (give a precedence)");
        require(
            file,
            at + ".outcome",
            !rule.forRefusals(),
            "refused: a ladder needs a score (make it an override rule)");
        Condition range = rule.range();
        require(
            file,
            at + ".range",
            range.equals() == null
                && range.missing() == null
                && range.stale() == null
                && range.lower() != null
                && !(range.atLeast() != null && range.above() != null)
                && !(range.below() != null && range.atMost() != null),
            "must give one lower bound (atLeast or above) and at most one upper (below or atMost)");
      } else {
        require(file, at + ".precedence", rule.precedence() >= 1, "must be 1 or more");
        require(file, at + ".range", rule.range() == null, "is for ladder rules");
        require(
            file,
            at + ".when",
            rule.when() != null && !rule.when().isEmpty(),
            "is required for an override rule");
        conditions(file, at + ".when", rule.when(), values);
      }
      if (rule.whenAny() != null) {
        conditions(file, at + ".whenAny", rule.whenAny(), values);
      }
    }
    for (String key : r.topics().keySet()) {
      checkTopic(file, key, r.topics().get(key), r.rules());
    }
  }

  private static void checkTopic(Path file, String key, Topic topic, List<Rule> all) {
    List<Rule> overrides = all.stream().filter(x -> key.equals(x.topic()) && !x.ladder()).toList();
    Set<Integer> precedences = new HashSet<>();
    for (Rule o : overrides) {
      require(
          file,
          "rules (" + o.id() + ").precedence",
          precedences.add(o.precedence()),
          "is the same as another rule's in topic '" + key + "': say which wins");
    }
    List<Rule> ladder =
        all.stream()
            .filter(x -> key.equals(x.topic()) && x.ladder())
            .sorted(Comparator.comparingDouble((Rule x) -> x.range().lower()))
            .toList();
    if (topic.ladder() == null) {
      return;
    }
    require(
        file,
        "topics." + key + ".ladder",
        !ladder.isEmpty(),
        "has no ladder rules (rules with a range and no precedence)");
    Rule first = ladder.get(0);
    require(
        file,
        "rules (" + first.id() + ").range",
        first.range().atLeast() != null && first.range().atLeast() == topic.ladder().from(),
        "must start the ladder at atLeast " + topic.ladder().from() + " (topic '" + key + "')");
    for (int i = 1; i < ladder.size(); i++) {
      Condition prev = ladder.get(i - 1).range();
      Condition next = ladder.get(i).range();
      String at = "rules (" + ladder.get(i).id() + ").range";
      String after = " after rule " + ladder.get(i - 1).id() + " in topic '" + key + "'";
      require(file, at, prev.upper() != null, "overlaps the unbounded range" + after);
      double upper = prev.upper();
      double lower = next.lower();
      require(file, at, !(lower > upper), "leaves a gap from " + upper + " to " + lower + after);
      require(file, at, !(lower < upper), "overlaps from " + lower + " to " + upper + after);
      boolean closedBefore = prev.atMost() != null; // prev holds upper itself
      boolean closedAfter = next.atLeast() != null; // next holds lower itself
      require(
          file,
          at,
          !(closedBefore && closedAfter),
          "overlaps at " + upper + after + " (both hold)");
      require(
          file,
          at,
          closedBefore || closedAfter,
          "leaves a gap at " + upper + after + " (neither holds)");
    }
    Rule last = ladder.get(ladder.size() - 1);
    require(
        file,
        "rules (" + last.id() + ").range",
        last.range().upper() == null,
        "must leave the last range of topic '" + key + "' unbounded above (no gap at the top)");
  }

  private static void guideline(Path file, String at, Guideline g) {
    require(file, at, g != null, "is empty");
    require(file, at + ".title", g.title() != null, "is required");
    require(file, at + ".shortTitle", g.shortTitle() != null, "is required");
    require(file, at + ".year", g.year() != null, "is required (the edition)");
    require(
        file,
        at + ".kind",
        KINDS.contains(g.kind()),
        "must be guideline, recommendation-statement or site-policy");
    require(
        file,
        at + ".citation",
        g.sitePolicy() || g.citation() != null,
        "is required for a published source");
  }

  private static void topic(Path file, String at, Topic t, Set<String> values, Binding binding) {
    require(file, at, t != null, "is empty");
    if (t.treatment() != null) {
      RecommendationRules.Treatment tr = t.treatment();
      Binding.Input input =
          tr.on() == null
              ? null
              : binding.inputs().containsKey(tr.on())
                  ? binding.inputs().get(tr.on())
                  : binding.recorded() == null ? null : binding.recorded().get(tr.on());
      require(
          file,
          at + ".treatment.on",
          input != null && input.source() == Binding.Source.MEDICATION_REQUEST,
          "must name a MedicationRequest input or recorded fact of the binding");
      require(file, at + ".treatment.what", tr.what() != null, "is required");
      require(
          file,
          at + ".treatment.levels",
          tr.levels() != null && !tr.levels().isEmpty(),
          "is required (the medication's level → words)");
      for (String level : tr.levels().keySet()) {
        try {
          Double.parseDouble(level);
        } catch (NumberFormatException e) {
          throw new DefinitionException(file, at + ".treatment.levels." + level, "is not a number");
        }
      }
    }
    require(file, at + ".label", t.label() != null, "is required");
    require(file, at + ".otherwise", t.otherwise() != null, "is required (why no rule applies)");
    if (t.ladder() != null) {
      require(
          file,
          at + ".ladder.on",
          values.contains(t.ladder().on()),
          "names no value of the model or its binding (one of " + values + ")");
    }
    if (t.when() != null) {
      conditions(file, at + ".when", t.when(), values);
    }
    if (t.whenAny() != null) {
      conditions(file, at + ".whenAny", t.whenAny(), values);
    }
  }

  private static void orderable(
      Path file, String at, Orderable o, Set<String> values, ValueSetLibrary valueSets) {
    require(file, at, o != null, "is empty");
    require(
        file,
        at + ".resourceType",
        RESOURCE_TYPES.contains(o.resourceType()),
        "must be MedicationRequest or ServiceRequest");
    require(file, at + ".label", o.label() != null, "is required");
    if (o.code() == null) {
      require(
          file,
          at + ".text",
          o.text() != null && "ServiceRequest".equals(o.resourceType()),
          "is required without a code (and only a ServiceRequest may go without one)");
    } else {
      require(
          file,
          at + ".valueSet",
          o.valueSet() != null,
          "is required: a suggested code comes from a published value set");
      ValueSetExpansion vs =
          valueSets
              .find(o.valueSet())
              .orElseThrow(
                  () ->
                      new DefinitionException(
                          file, at + ".valueSet", "is not loaded from models/value-sets/"));
      require(
          file,
          at + ".code",
          vs.contains(o.code().system(), o.code().code()),
          "is not a member of " + vs.canonical());
      String display = vs.members().get(o.code().system()).get(o.code().code());
      require(
          file,
          at + ".code.display",
          Objects.equals(display, o.code().display()),
          "must be the value set's display '" + display + "'");
    }
    if (o.skipWhen() != null) {
      conditions(file, at + ".skipWhen", o.skipWhen(), values);
      require(file, at + ".skipNote", o.skipNote() != null, "is required with skipWhen");
    }
  }

  private static void conditions(
      Path file, String at, Map<String, Condition> when, Set<String> values) {
    when.forEach(
        (name, c) -> {
          require(
              file,
              at + "." + name,
              values.contains(name),
              "names no value of the model or its binding (one of " + values + ")");
          require(file, at + "." + name, c != null && !c.empty(), "gives no condition");
        });
  }

  private static void review(Path file, String at, RecommendationRules.Review review) {
    require(file, at + ".by", review.by() != null && !review.by().isBlank(), "is required");
    try {
      LocalDate.parse(Objects.requireNonNull(review.on()));
    } catch (DateTimeParseException | NullPointerException e) {
      throw new DefinitionException(file, at + ".on", "must be a date (YYYY-MM-DD)");
    }
  }

  private static void require(Path file, String field, boolean ok, String problem) {
    if (!ok) {
      throw new DefinitionException(file, field, problem);
    }
  }

  /** Every rule id with its version, for the start-up log. */
  static List<String> describe(RecommendationRules rules) {
    List<String> out = new ArrayList<>();
    rules.rules().forEach(r -> out.add(r.id() + " " + r.version()));
    return out;
  }
}
