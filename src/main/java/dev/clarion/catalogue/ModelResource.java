package dev.clarion.catalogue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clarion.error.NotFoundException;
import dev.clarion.model.ModelDescriptor;
import dev.clarion.model.OnnxModel;
import dev.clarion.recommend.RecommendationRules;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** Model descriptors and model cards, linked from every card's {@code source.url}. */
@Path("/models")
@Produces(MediaType.APPLICATION_JSON)
public class ModelResource {

  /** Summary of a loaded model. */
  public record ModelSummary(String id, String name, String version, String sha256) {}

  private final ModelRegistry registry;
  private final Template cardPage;

  ModelResource(
      ModelRegistry registry, @Location("ModelResource/cardPage.html") Template cardPage) {
    this.registry = registry;
    this.cardPage = cardPage;
  }

  @GET
  public List<ModelSummary> list() {
    return registry.all().stream()
        .map(
            m ->
                new ModelSummary(
                    m.descriptor().id(),
                    m.descriptor().name(),
                    m.descriptor().version(),
                    m.sha256()))
        .toList();
  }

  @APIResponse(responseCode = "200", description = "The model descriptor")
  @APIResponse(responseCode = "404", description = "No such model (unknown-model)")
  @GET
  @Path("{id}")
  public ModelDescriptor descriptor(@PathParam("id") String id) {
    return registry.find(id).orElseThrow(ModelResource::unknown).descriptor();
  }

  @APIResponse(responseCode = "200", description = "The model card (HTI-1 source attributes)")
  @APIResponse(responseCode = "404", description = "No such model (unknown-model)")
  @GET
  @Path("{id}/card")
  public JsonNode card(@PathParam("id") String id) {
    return registry.card(id).orElseThrow(ModelResource::unknown);
  }

  /** One labelled value on the card page. */
  public record Row(String name, String value) {}

  /**
   * One recommendation rule on the card page.
   *
   * @param topic the topic's label
   * @param rule id and version
   * @param when the condition in words (the ladder's range or the override's tests)
   * @param recommendation what the card says
   * @param source guideline (or site policy), edition and section
   * @param strength class and level of evidence as the source grades them; empty when ungraded
   * @param review who reviewed it and when, or that it is withheld in production without one
   */
  public record RuleRow(
      String topic,
      String rule,
      String when,
      String recommendation,
      String source,
      String strength,
      String review) {}

  /**
   * The model card as a page for people (linked from every card's {@code source.url}): summary,
   * limitations, out-of-scope uses, every HTI-1 source attribute and the implementation notes.
   */
  @APIResponse(responseCode = "200", description = "The model card as a page")
  @APIResponse(responseCode = "404", description = "No such model (unknown-model)")
  @GET
  @Path("{id}/card.html")
  @Produces(MediaType.TEXT_HTML)
  public String cardPage(@PathParam("id") String id) {
    OnnxModel model = registry.find(id).orElseThrow(ModelResource::unknown);
    JsonNode card = registry.card(id).orElseThrow(ModelResource::unknown);
    ModelDescriptor d = model.descriptor();
    List<Row> summary = new ArrayList<>();
    for (String field :
        List.of("intendedUse", "intendedUsers", "decisionRole", "intendedPopulation")) {
      if (card.hasNonNull(field)) {
        summary.add(new Row(words(field), card.get(field).asText()));
      }
    }
    summary.add(new Row("Outcome", d.outcome()));
    summary.add(new Row("Citation", d.citation()));
    return cardPage
        .data("id", d.id())
        .data("version", d.version())
        .data("sha256", model.sha256())
        .data("title", card.path("title").asText(d.name()))
        .data("kind", card.path("interventionType").asText())
        .data("summary", summary)
        .data("limitations", texts(card.path("knownLimitations")))
        .data("outOfScope", texts(card.path("outOfScope")))
        .data("attributes", rows(card.path("sourceAttributes")))
        .data("implementation", rows(card.path("implementation")))
        .data(
            "rules",
            rules(
                registry
                    .served(id)
                    .map(ModelRegistry.Served::recommendations)
                    .orElse(RecommendationRules.NONE)))
        .render();
  }

  /** The model's recommendation rules as rows, topic by topic in the file's order. */
  static List<RuleRow> rules(RecommendationRules r) {
    List<RuleRow> rows = new ArrayList<>();
    if (r.isEmpty()) {
      return rows;
    }
    for (RecommendationRules.Rule rule : r.rules()) {
      RecommendationRules.Topic topic = r.topics().get(rule.topic());
      RecommendationRules.Guideline g = r.guidelines().get(rule.guideline());
      List<String> when = new ArrayList<>();
      if (rule.forRefusals()) {
        when.add("not calculated");
      }
      if (rule.ladder()) {
        when.add(rule.range().describe(topic.ladder().on()));
        describe(when, topic.when(), " and ");
        describe(when, topic.whenAny(), " or ");
      } else {
        describe(when, rule.when(), " and ");
        describe(when, rule.whenAny(), " or ");
        when.add("precedence " + rule.precedence());
      }
      rows.add(
          new RuleRow(
              topic.label(),
              rule.id() + " " + rule.version(),
              String.join("; ", when),
              rule.recommendation(),
              (g.sitePolicy() ? "Site policy (not a guideline): " : "")
                  + g.shortTitle()
                  + ", "
                  + rule.section(),
              rule.strength(g),
              rule.review() == null
                  ? "No clinical review recorded: withheld in a production run"
                  : "Reviewed by " + rule.review().by() + " on " + rule.review().on()));
    }
    return rows;
  }

  private static void describe(
      List<String> into,
      java.util.Map<String, RecommendationRules.Condition> tests,
      String joiner) {
    if (tests == null || tests.isEmpty()) {
      return;
    }
    List<String> parts = new ArrayList<>();
    tests.forEach((name, c) -> parts.add(c.describe(name)));
    into.add(
        joiner.equals(" or ") && parts.size() > 1
            ? "any of: " + String.join(joiner, parts)
            : String.join(joiner, parts));
  }

  private static List<Row> rows(JsonNode object) {
    List<Row> rows = new ArrayList<>();
    object
        .fields()
        .forEachRemaining(e -> rows.add(new Row(words(e.getKey()), e.getValue().asText())));
    return rows;
  }

  private static List<String> texts(JsonNode array) {
    List<String> texts = new ArrayList<>();
    array.forEach(t -> texts.add(t.asText()));
    return texts;
  }

  /** {@code useOfDateOfBirth} → "Use of date of birth". */
  static String words(String camel) {
    String spaced = camel.replaceAll("([a-z0-9])([A-Z])", "$1 $2").toLowerCase(Locale.ROOT);
    return Character.toUpperCase(spaced.charAt(0)) + spaced.substring(1);
  }

  private static NotFoundException unknown() {
    return new NotFoundException("unknown-model", "No such model.");
  }
}
