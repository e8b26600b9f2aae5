package dev.clarion.card;

import dev.clarion.audit.DecisionQueries;
import dev.clarion.audit.DecisionRecord;
import dev.clarion.binding.Extraction;
import dev.clarion.catalogue.ModelRegistry;
import dev.clarion.format.Formats;
import dev.clarion.model.ModelDescriptor;
import dev.clarion.model.OnnxModel;
import dev.clarion.risk.Assessment;
import dev.clarion.risk.RecordedInputs;
import dev.clarion.risk.RecordedOutput;
import dev.clarion.web.InputRow;
import dev.clarion.web.SvgCharts;
import dev.clarion.web.SvgCharts.Bar;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * The explanation page of one decision, linked from its card with a signed, expiring link ({@link
 * ExplanationLinks}): the score and band, a chart of the exact contributions, the what-ifs, every
 * input with its date and source, and the model card's essentials. Built from the decision record
 * only (what Clarion said then), never recomputed.
 */
@Path("/explanations")
public class ExplanationPage {

  /** A labelled value on the page. */
  public record Row(String name, String value, String note) {}

  private final DecisionQueries decisions;
  private final ModelRegistry models;
  private final ExplanationLinks links;
  private final Clock clock;
  private final Template page;
  private final ImagingExplanation imaging;

  ExplanationPage(
      DecisionQueries decisions,
      ModelRegistry models,
      ExplanationLinks links,
      Clock clock,
      @Location("ExplanationPage/page.html") Template page,
      ImagingExplanation imaging) {
    this.imaging = imaging;
    this.decisions = decisions;
    this.models = models;
    this.links = links;
    this.clock = clock;
    this.page = page;
  }

  @APIResponse(responseCode = "200", description = "The decision's explanation page")
  @APIResponse(
      responseCode = "403",
      description = "The link's signature is wrong or it has expired")
  @APIResponse(responseCode = "404", description = "No such decision")
  @GET
  @Path("{id}")
  @Produces(MediaType.TEXT_HTML)
  public Response explanation(
      @PathParam("id") UUID id,
      @QueryParam("expires") @DefaultValue("0") long expires,
      @QueryParam("sig") String sig) {
    if (!links.valid(id, expires, sig, clock.instant())) {
      return Response.status(403)
          .type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
          .entity(
              "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Link not"
                  + " valid</title></head><body style=\"font-family:system-ui,sans-serif;"
                  + "margin:40px\"><h1 style=\"font-size:20px\">This explanation link is not valid"
                  + " or has expired</h1><p>Open the card in the EHR again for a fresh link.</p>"
                  + "</body></html>")
          .build();
    }
    DecisionRecord r = decisions.find(id);
    if (imaging.handles(r)) {
      return Response.ok(
              imaging.render(r, Instant.ofEpochSecond(expires).toString()).render(),
              MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
          .build();
    }
    ModelDescriptor d = models.find(r.modelId).map(OnnxModel::descriptor).orElse(null);
    RecordedOutput output = RecordedOutput.read(r.output);
    boolean scored = output != null;
    boolean points = scored && output.points();

    List<Bar> contributions =
        SvgCharts.contributions(
            RecordedOutput.attributions(r.attributions).stream()
                .map(
                    a ->
                        new SvgCharts.Contribution(
                            a.label() == null ? a.feature() : a.label(), a.contribution()))
                .toList(),
            points);
    List<Row> whatIfs = new ArrayList<>();
    List<Bar> whatIfBars = new ArrayList<>();
    if (scored) {
      double risk = output.risk();
      whatIfBars.add(new Bar("as now", risk, Formats.percent(risk), "bar now"));
      for (Assessment.WhatIf w : output.whatIf()) {
        double changed = w.risk();
        whatIfs.add(new Row(w.label(), Formats.percent(changed), Formats.points(changed - risk)));
        whatIfBars.add(new Bar(w.label(), changed, Formats.percent(changed), "bar down"));
      }
    }
    RecordedInputs recorded = RecordedInputs.read(r.inputs);
    List<InputRow> inputs = new ArrayList<>();
    List<String> reasons = new ArrayList<>();
    if (r.reasons != null) {
      r.reasons.forEach(x -> reasons.add(x.asText()));
    }
    if (recorded != null) {
      Extraction x = recorded.extraction();
      Stream.concat(x.features().stream(), x.recorded().stream())
          .forEach(f -> inputs.add(InputRow.of(f, d)));
      // Which resource put the patient outside the population, and which value set matched it.
      for (Extraction.Excluded e : x.excludedBy()) {
        reasons.add(e.reason() + ": " + e.source() + " matched " + InputRow.matched(e.matchedBy()));
      }
    }
    List<Row> model = new ArrayList<>();
    List<String> limitations = new ArrayList<>();
    model.add(new Row("Model", d == null ? r.modelId : d.name(), null));
    model.add(new Row("Version used", r.modelVersion, null));
    model.add(new Row("Artifact sha256", r.modelSha256, null));
    if (d != null) {
      model.add(new Row("Intended population", d.intendedPopulation(), null));
      model.add(new Row("Source", d.citation(), null));
      if (!d.version().equals(r.modelVersion)) {
        model.add(new Row("Note", "The model now loaded is version " + d.version() + ".", null));
      }
      models
          .card(d.id())
          .ifPresent(c -> c.path("knownLimitations").forEach(l -> limitations.add(l.asText())));
    }
    List<RecommendationRow> recommendations = new ArrayList<>();
    if (r.recommendations != null) {
      r.recommendations.forEach(n -> recommendations.add(RecommendationRow.of(n)));
    }
    String band = scored && output.band() != null ? output.band() : "";
    String indicator =
        d == null || !scored
            ? "info"
            : d.bands().stream()
                .filter(b -> b.code().equals(band))
                .map(ModelDescriptor.Band::indicator)
                .findFirst()
                .orElse("info");
    return Response.ok(
            page.data("label", d == null ? r.modelId : d.label())
                .data("decisionId", r.id)
                .data("recordedAt", r.recordedAt.toString())
                .data("scored", scored)
                .data("risk", scored ? Formats.value(points, output.risk()) : "")
                .data("band", band)
                .data("indicator", indicator)
                .data("headline", d == null ? "" : d.predicts() + ".")
                .data(
                    "contributionNote",
                    points
                        ? "The points each item scored; they add up to the total."
                        : (d != null && "treeshap".equals(d.explanation())
                                ? "TreeSHAP values of the trees (log-odds, scaled to percentage"
                                    + " points)"
                                : "Exact Shapley values in percentage points")
                            + " against the reference; they add up to the risk minus the"
                            + " reference's risk. Red raises the risk, green lowers it.")
                .data("referenceDescription", d == null ? "" : d.reference().description())
                .data(
                    "baseline",
                    scored && output.baseline() != null
                        ? Formats.value(points, output.baseline())
                        : "")
                .data(
                    "contributionChart",
                    SvgCharts.bars(
                        "Contribution of each input to the risk", contributions, 0, List.of()))
                .data(
                    "whatIfChart",
                    whatIfs.isEmpty()
                        ? null
                        : SvgCharts.bars(
                            "Risk as now and with each change", whatIfBars, 0, List.of()))
                .data("whatIfs", whatIfs)
                .data("reasons", reasons)
                .data("inputs", inputs)
                .data("recommendations", recommendations)
                .data("model", model)
                .data("limitations", limitations)
                .data("modelCardUrl", "/models/" + r.modelId + "/card.html")
                .data("expires", Instant.ofEpochSecond(expires).toString())
                .render(),
            MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
        .header("Cache-Control", "no-store")
        .header("Referrer-Policy", "no-referrer")
        .build();
  }

  /** One recorded recommendation, as the page shows it (from the record, never recomputed). */
  public record RecommendationRow(
      String topic, String text, String source, String rule, String selection) {

    static RecommendationRow of(com.fasterxml.jackson.databind.JsonNode n) {
      String status = n.path("status").asText();
      String text =
          switch (status) {
            case "none" -> "No recommendation applies: " + n.path("text").asText();
            case "withheld" -> "Not shown: " + n.path("text").asText();
            default -> n.path("text").asText();
          };
      String source = null;
      if (n.hasNonNull("source")) {
        List<String> parts = new ArrayList<>();
        parts.add(
            ("site-policy".equals(n.path("kind").asText()) ? "Site policy (not a guideline): " : "")
                + n.path("source").asText()
                + " ("
                + n.path("edition").asText()
                + ")");
        parts.add(n.path("section").asText());
        if (n.hasNonNull("class")) {
          parts.add("class/grade " + n.path("class").asText());
        }
        if (n.hasNonNull("level")) {
          parts.add("level of evidence " + n.path("level").asText());
        }
        source = String.join("; ", parts);
      }
      String rule =
          n.hasNonNull("rule")
              ? "rule "
                  + n.path("rule").asText()
                  + " "
                  + n.path("version").asText()
                  + (n.path("reviewed").asBoolean()
                      ? ", clinically reviewed"
                      : ", not yet clinically reviewed")
                  + suggested(n)
              : "";
      return new RecommendationRow(n.path("label").asText(), text, source, rule, selection(n));
    }

    /** At order-select: the selected order and how it compares, as recorded. */
    private static String selection(com.fasterxml.jackson.databind.JsonNode n) {
      com.fasterxml.jackson.databind.JsonNode s = n.get("selection");
      if (s == null) {
        return null;
      }
      String verdict =
          switch (s.path("verdict").asText()) {
            case "matches" -> "matches the recommendation";
            case "below" -> "less than recommended";
            case "above" -> "more than recommended";
            case "not_recommended" -> "not what the rule recommends for this patient now";
            case "no_rule" -> "no rule of this topic applies";
            default -> "not compared (the rule awaits clinical review)";
          };
      return "Selected: "
          + s.path("order").asText()
          + " ("
          + s.path("levelLabel").asText()
          + ") — "
          + verdict
          + (s.hasNonNull("recommended") ? "; recommended: " + s.path("recommended").asText() : "")
          + ".";
    }

    private static String suggested(com.fasterxml.jackson.databind.JsonNode n) {
      List<String> parts = new ArrayList<>();
      n.path("suggested").forEach(x -> parts.add(x.asText()));
      List<String> skipped = new ArrayList<>();
      n.path("skipped").forEach(x -> skipped.add(x.asText()));
      return (parts.isEmpty() ? "" : "; suggested " + String.join(", ", parts))
          + (skipped.isEmpty() ? "" : "; not suggested " + String.join(", ", skipped));
    }
  }
}
