package dev.clarion.card;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clarion.audit.DecisionRecord;
import dev.clarion.card.ExplanationPage.Row;
import dev.clarion.format.Formats;
import dev.clarion.imaging.DicomWebClient;
import dev.clarion.imaging.DicomWebEndpoint;
import dev.clarion.imaging.ImageModel;
import dev.clarion.imaging.ImageModels;
import dev.clarion.imaging.ImageRefusedException;
import dev.clarion.imaging.ImagingConfig;
import dev.clarion.imaging.ImagingEndpoints;
import dev.clarion.imaging.ImagingResult;
import dev.clarion.imaging.Saliency;
import dev.clarion.imaging.SaliencyOverlay;
import dev.clarion.imaging.StudyReader;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateInstance;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The explanation page of an imaging decision: the result, the model's notice, the image with the
 * recorded saliency map over it, the DICOM identifiers and the preprocessing, the model card's
 * essentials. The image is never stored: the page reads the recorded instance from the PACS again
 * (through the endpoint registered for the client that made the call) and warns when its pixel hash
 * no longer matches the record, or when the PACS cannot be read.
 */
@ApplicationScoped
class ImagingExplanation {

  private final ImageModels models;
  private final ImagingEndpoints endpoints;
  private final DicomWebClient client;
  private final ImagingConfig config;
  private final Template page;

  ImagingExplanation(
      ImageModels models,
      ImagingEndpoints endpoints,
      DicomWebClient client,
      ImagingConfig config,
      @Location("ExplanationPage/imaging.html") Template page) {
    this.models = models;
    this.endpoints = endpoints;
    this.client = client;
    this.config = config;
    this.page = page;
  }

  /** Whether a decision is an imaging model's (scored, or refused before it could score). */
  boolean handles(DecisionRecord r) {
    return r.imaging != null || (r.modelId != null && models.find(r.modelId).isPresent());
  }

  TemplateInstance render(DecisionRecord r, String expires) {
    Optional<ImageModel> model = models.find(r.modelId);
    JsonNode img = r.imaging == null ? null : r.imaging.path("image");
    boolean scored = r.imaging != null;
    List<String> reasons = new ArrayList<>();
    if (r.reasons != null) {
      r.reasons.forEach(x -> reasons.add(x.asText()));
    }
    String overlay = null;
    String warning = null;
    String where = "";
    List<Row> image = new ArrayList<>();
    List<Row> preprocessing = new ArrayList<>();
    if (scored) {
      image.add(new Row("Study Instance UID", img.path("studyUid").asText(), null));
      image.add(new Row("Series Instance UID", img.path("seriesUid").asText(), null));
      image.add(new Row("SOP Instance UID", img.path("sopUid").asText(), null));
      image.add(
          new Row(
              "Modality, body part",
              img.path("modality").asText() + " " + img.path("bodyPart").asText(""),
              null));
      image.add(
          new Row(
              "Size, bits stored, photometric interpretation",
              img.path("rows").asInt()
                  + " × "
                  + img.path("columns").asInt()
                  + ", "
                  + img.path("bitsStored").asInt()
                  + " bits, "
                  + img.path("photometricInterpretation").asText(),
              null));
      if (img.has("pixelSpacingMm")) {
        image.add(
            new Row(
                "Pixel spacing",
                Formats.plain(img.path("pixelSpacingMm").asDouble()) + " mm",
                null));
      }
      image.add(new Row("PACS (DICOMweb)", img.path("endpoint").asText(), null));
      image.add(new Row("sha256 of the pixel data used", img.path("pixelSha256").asText(), null));
      JsonNode p = r.imaging.path("preprocessing");
      preprocessing.add(new Row("Version", p.path("version").asText(), null));
      preprocessing.add(new Row("Steps", p.path("description").asText(), null));
      preprocessing.add(
          new Row(
              "Window (centre / width)",
              Formats.plain(p.at("/window/center").asDouble())
                  + " / "
                  + Formats.plain(p.at("/window/width").asDouble()),
              null));
      preprocessing.add(
          new Row("Model input", p.path("rows").asInt() + " × " + p.path("columns").asInt(), null));
      preprocessing.add(
          new Row(
              "Normalisation (mean / std)",
              p.at("/normalise/mean").asText() + " / " + p.at("/normalise/std").asText(),
              null));
      Saliency s = saliency(r.imaging);
      where = ImagingResult.where(s, img.path("rows").asInt(), img.path("columns").asInt());
      if (model.isEmpty()) {
        warning = "The model " + r.modelId + " is no longer loaded: the image cannot be drawn.";
      } else {
        try {
          Optional<DicomWebEndpoint> endpoint =
              endpoints.forCaller(
                  img.path("endpoint").asText(),
                  r.clientIss == null ? ImagingEndpoints.LOOPBACK : r.clientIss);
          if (endpoint.isEmpty()) {
            warning =
                "The PACS this image came from is no longer registered for the client: the image"
                    + " cannot be drawn.";
          } else {
            StudyReader.RetrievedImage now =
                StudyReader.readInstance(
                    client,
                    endpoint.get(),
                    img.path("studyUid").asText(),
                    img.path("seriesUid").asText(),
                    img.path("sopUid").asText(),
                    model.get().descriptor(),
                    System.nanoTime() + config.deadline().toNanos());
            if (!now.pixelSha256().equals(img.path("pixelSha256").asText())) {
              warning =
                  "The image in the PACS has changed since the decision (its pixel hash no longer"
                      + " matches the record): the map below is drawn over today's image, not the"
                      + " one the model read.";
            }
            float[] input = model.get().preprocessing().apply(now.frame());
            overlay =
                "data:image/png;base64,"
                    + Base64.getEncoder()
                        .encodeToString(
                            SaliencyOverlay.png(input, model.get().preprocessing(), s, 6));
          }
        } catch (ImageRefusedException e) {
          warning = "The image could not be read from the PACS again: " + e.getMessage();
        }
      }
    }
    List<Row> modelRows = new ArrayList<>();
    List<String> limitations = new ArrayList<>();
    String notice = null;
    String label = r.modelId;
    if (model.isPresent()) {
      var d = model.get().descriptor();
      label = d.label();
      notice = d.notice();
      modelRows.add(new Row("Model", d.name(), null));
      modelRows.add(new Row("Version", d.version() + " (sha256 " + r.modelSha256 + ")", null));
      models
          .card(d.id())
          .ifPresent(
              card -> {
                JsonNode a = card.path("sourceAttributes");
                modelRows.add(new Row("Intended use", a.path("intendedUse").asText(), null));
                modelRows.add(new Row("Output", a.path("outputDescription").asText(), null));
                modelRows.add(
                    new Row("Validity", a.path("validityInTestDataSameSource").asText(), null));
                card.path("knownLimitations").forEach(l -> limitations.add(l.asText()));
              });
    }
    String band = scored ? r.imaging.path("band").asText() : "";
    String bandLabel = band;
    String indicator = "info";
    if (model.isPresent() && scored) {
      for (var b : model.get().descriptor().bands()) {
        if (b.code().equals(band)) {
          bandLabel = b.label();
          indicator = b.indicator();
        }
      }
    }
    return page.data("label", label)
        .data("decisionId", r.id)
        .data("recordedAt", r.recordedAt.toString())
        .data("notice", notice)
        .data("scored", scored)
        .data(
            "probability",
            scored ? ImagingResult.percent(r.imaging.path("probability").asDouble()) : "")
        .data("band", bandLabel)
        .data("indicator", indicator)
        .data("where", where)
        .data("reasons", reasons)
        .data("warning", warning)
        .data("overlay", overlay)
        .data("patch", scored ? r.imaging.at("/saliency/patch").asInt() : 0)
        .data("stride", scored ? r.imaging.at("/saliency/stride").asInt() : 0)
        .data(
            "inputSize",
            scored
                ? r.imaging.at("/preprocessing/rows").asInt()
                    + " × "
                    + r.imaging.at("/preprocessing/columns").asInt()
                : "")
        .data("image", image)
        .data("preprocessing", preprocessing)
        .data("model", modelRows)
        .data("limitations", limitations)
        .data("expires", expires);
  }

  /** The saliency map as recorded with the decision. */
  static Saliency saliency(JsonNode imaging) {
    JsonNode s = imaging.path("saliency");
    JsonNode drops = s.path("drops");
    float[] d = new float[drops.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = (float) drops.get(i).asDouble();
    }
    return new Saliency(
        imaging.path("probability").asDouble(),
        imaging.at("/preprocessing/rows").asInt(),
        imaging.at("/preprocessing/columns").asInt(),
        s.path("patch").asInt(),
        s.path("stride").asInt(),
        s.path("gridRows").asInt(),
        s.path("gridColumns").asInt(),
        d,
        s.path("strongest").asInt(),
        s.path("baseline").asText());
  }
}
