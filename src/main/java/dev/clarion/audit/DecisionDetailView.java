package dev.clarion.audit;

import dev.clarion.format.Formats;
import dev.clarion.model.ModelDescriptor;
import dev.clarion.risk.RecordedInputs;
import dev.clarion.risk.RecordedOutput;
import dev.clarion.web.InputRow;
import dev.clarion.web.SvgCharts;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the auditor page shows of one decision: its facts, the inputs it used (labelled by its
 * model, when that is still loaded), the contribution chart, the reasons and the feedback.
 *
 * @param attributionChart SVG, or null when the decision has no attributions
 * @param shadow the model version scored in shadow on the same call, as facts; empty for none
 */
record DecisionDetailView(
    List<Pair> facts,
    List<Pair> shadow,
    List<InputRow> inputs,
    String attributionChart,
    List<String> reasons,
    List<FeedbackRow> feedback) {

  /** One row of a simple two-column table. */
  public record Pair(String name, String value) {}

  /** A feedback item as shown. */
  public record FeedbackRow(String received, String outcome, String reason, String comment) {}

  /** The view of {@code detail}; {@code model} is its model's descriptor, or null. */
  static DecisionDetailView of(DecisionQueries.Detail detail, ModelDescriptor model) {
    DecisionView d = detail.decision();
    RecordedOutput output = RecordedOutput.read(d.output());
    List<String> reasons = new ArrayList<>();
    if (d.reasons() != null) {
      d.reasons().forEach(r -> reasons.add(r.asText()));
    }
    return new DecisionDetailView(
        facts(d, output),
        shadow(RecordedShadow.read(d.shadow())),
        inputs(d, model),
        chart(d, output),
        reasons,
        detail.feedback().stream().map(DecisionDetailView::feedback).toList());
  }

  private static List<Pair> facts(DecisionView d, RecordedOutput output) {
    List<Pair> facts = new ArrayList<>();
    facts.add(new Pair("Recorded", d.recordedAt().toString()));
    facts.add(new Pair("Chain position", d.seq() == null ? "—" : "#" + d.seq()));
    facts.add(new Pair("Service / hook", d.serviceId() + " / " + d.hook()));
    facts.add(new Pair("Hook instance", d.hookInstance()));
    facts.add(
        new Pair(
            "Client",
            d.clientIss() == null
                ? "unsigned (embedded run)"
                : d.clientIss()
                    + (d.clientTenant() == null ? "" : " · tenant " + d.clientTenant())));
    facts.add(new Pair("Patient", d.patientRef()));
    facts.add(new Pair("User", d.userRef() == null ? "—" : d.userRef()));
    facts.add(
        new Pair(
            "Outcome", d.outcome() + (d.reasonCode() == null ? "" : " (" + d.reasonCode() + ")")));
    if (output != null) {
      facts.add(
          new Pair("Score", Formats.value(output.points(), output.risk()) + " · " + output.band()));
    }
    if (d.imaging() != null) {
      var img = d.imaging().path("image");
      facts.add(
          new Pair(
              "Imaging result",
              Formats.percent(d.imaging().path("probability").asDouble())
                  + " · "
                  + d.imaging().path("band").asText()));
      facts.add(
          new Pair(
              "Image read",
              img.path("modality").asText()
                  + " "
                  + img.path("bodyPart").asText("")
                  + " · SOP Instance "
                  + img.path("sopUid").asText()
                  + " · pixel sha256 "
                  + img.path("pixelSha256").asText()));
    }
    facts.add(
        new Pair(
            "Model",
            d.modelId() == null
                ? "—"
                : d.modelId() + " " + d.modelVersion() + " · sha256 " + d.modelSha256()));
    facts.add(new Pair("HTTP status", Integer.toString(d.httpStatus())));
    facts.add(new Pair("Latency", Formats.millis(d.latencyMicros()) + " ms"));
    facts.add(new Pair("Record hash", d.hash()));
    return facts;
  }

  private static List<Pair> shadow(RecordedShadow s) {
    if (s == null) {
      return List.of();
    }
    List<Pair> facts = new ArrayList<>();
    facts.add(
        new Pair(
            "Model",
            s.model().id() + " " + s.model().version() + " · sha256 " + s.model().sha256()));
    facts.add(
        new Pair(
            "Outcome", s.outcome() + (s.reasonCode() == null ? "" : " (" + s.reasonCode() + ")")));
    if (s.output() != null) {
      facts.add(
          new Pair(
              "Score",
              Formats.value(s.output().points(), s.output().risk()) + " · " + s.output().band()));
    }
    for (String reason : s.reasons()) {
      facts.add(new Pair("Reason", reason));
    }
    facts.add(new Pair("Cost", Formats.millis(s.micros()) + " ms"));
    return facts;
  }

  /** The recorded inputs and facts; none for a call that ended before they were gathered. */
  private static List<InputRow> inputs(DecisionView d, ModelDescriptor model) {
    RecordedInputs recorded = RecordedInputs.read(d.inputs());
    if (recorded == null) {
      return List.of();
    }
    return Stream.concat(
            recorded.extraction().features().stream(), recorded.extraction().recorded().stream())
        .map(f -> InputRow.of(f, model))
        .toList();
  }

  private static String chart(DecisionView d, RecordedOutput output) {
    List<SvgCharts.Bar> bars =
        SvgCharts.contributions(
            RecordedOutput.attributions(d.attributions()).stream()
                .map(
                    a ->
                        new SvgCharts.Contribution(
                            a.label() == null ? a.feature() : a.label(), a.contribution()))
                .toList(),
            output != null && output.points());
    return bars.isEmpty()
        ? null
        : SvgCharts.bars("Contribution of each input to the risk", bars, 0, List.of());
  }

  private static FeedbackRow feedback(DecisionQueries.Feedback f) {
    return new FeedbackRow(
        f.receivedAt().toString(),
        f.outcome(),
        f.overrideReason() == null
            ? ""
            : f.overrideReason().path("display").asText(f.overrideReason().path("code").asText()),
        f.overrideComment() == null ? "" : f.overrideComment());
  }
}
