package dev.clarion.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.catalogue.ModelRegistry;
import dev.clarion.error.ConflictException;
import dev.clarion.model.OnnxModel;
import dev.clarion.recommend.RecommendationRules;
import dev.clarion.recommend.Recommender;
import dev.clarion.risk.Assessment;
import dev.clarion.risk.RecordedInputs;
import dev.clarion.risk.RecordedOutput;
import dev.clarion.risk.RiskAssessor;
import dev.clarion.risk.ScenarioSource;
import dev.clarion.runtime.RunMode;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Re-runs a past decision from its stored inputs — the extracted features with their provenance —
 * through the model loaded now, and says whether the result is identical (outcome, risk, band,
 * baseline, every attribution, bit for bit) or how it differs and why: a different model artifact
 * (sha256) or version, or the same artifact giving another result (runtime or code change).
 * Thread-safe.
 */
@ApplicationScoped
public class Replayer {

  /**
   * The outcome of a replay; {@code shadow} is the replay of the shadow part, null when the
   * decision has none.
   */
  public record Replay(
      UUID decision,
      boolean identical,
      List<String> differences,
      Model recordedModel,
      Model replayedModel,
      JsonNode recorded,
      JsonNode replayed,
      ShadowReplay shadow) {}

  /**
   * The shadow version re-run from its own stored inputs: by the same version if the catalogue
   * still holds it (active or candidate), else by the model's active version; {@code replayedModel}
   * null when the model is not loaded at all.
   */
  public record ShadowReplay(
      boolean identical, List<String> differences, Model recordedModel, Model replayedModel) {}

  /** A model as named in a record or loaded now. */
  public record Model(String id, String version, String sha256) {}

  private final DecisionQueries decisions;
  private final ModelRegistry models;
  private final RiskAssessor assessor;
  private final ScenarioSource scenarioSource;
  private final ObjectMapper mapper;
  private final boolean production;

  Replayer(
      DecisionQueries decisions,
      ModelRegistry models,
      RiskAssessor assessor,
      ScenarioSource scenarioSource,
      ObjectMapper mapper,
      @ConfigProperty(name = RunMode.EMBEDDED_RUN, defaultValue = "false") boolean embedded) {
    this.production = RunMode.production(embedded);
    this.decisions = decisions;
    this.models = models;
    this.assessor = assessor;
    this.scenarioSource = scenarioSource;
    this.mapper = mapper;
  }

  public Replay replay(UUID id) {
    DecisionRecord r = decisions.find(id);
    if (r.imaging != null) {
      throw new ConflictException(
          "imaging-not-replayable",
          "An imaging decision keeps no image, so it cannot be replayed from its record: its"
              + " explanation page reads the recorded instance from the PACS again and checks its"
              + " pixel hash against the record.");
    }
    if (r.inputs == null || r.modelId == null) {
      throw new ConflictException(
          "not-replayable",
          "This decision ended before its inputs were complete ("
              + r.reasonCode
              + "); there is nothing to replay.");
    }
    Model recordedModel = new Model(r.modelId, r.modelVersion, r.modelSha256);
    OnnxModel model =
        models
            .find(r.modelId)
            .orElseThrow(
                () ->
                    new ConflictException(
                        "model-unavailable",
                        "Model '"
                            + r.modelId
                            + "' is not loaded; the decision cannot be replayed."));
    Model replayedModel =
        new Model(model.descriptor().id(), model.descriptor().version(), model.sha256());

    RecordedInputs inputs = inputs(r);
    Assessment a = assessor.assess(model, inputs.extraction(), inputs.scenarios());
    JsonNode recorded =
        normalized(result(r.outcome, r.reasonCode, r.reasons, r.output, r.attributions));
    JsonNode replayed = normalized(result(a));

    List<String> differences = compare(recorded, replayed, recordedModel, replayedModel);
    if (r.recommendations != null) {
      // The recommendation rules are data beside the model: replay applies those loaded now.
      JsonNode recordedRules = normalized(r.recommendations);
      JsonNode replayedRules =
          normalized(
              Recommender.recorded(
                  Recommender.evaluate(
                      models
                          .catalogue()
                          .served(r.modelId)
                          .map(ModelRegistry.Served::recommendations)
                          .orElse(RecommendationRules.NONE),
                      a,
                      production),
                  r.id,
                  mapper));
      ((ObjectNode) recorded).set("recommendations", recordedRules);
      ((ObjectNode) replayed).set("recommendations", replayedRules);
      if (!recordedRules.equals(replayedRules)) {
        differences.add(
            "recommendations differ: the recommendation rules loaded now (or their review status)"
                + " are not those the decision was made with");
      }
    }
    return new Replay(
        r.id,
        differences.isEmpty(),
        differences,
        recordedModel,
        replayedModel,
        recorded,
        replayed,
        shadow(r));
  }

  /** What differs between a recorded and a replayed result, and why it may. */
  private static List<String> compare(
      JsonNode recorded, JsonNode replayed, Model recordedModel, Model replayedModel) {
    List<String> differences = new ArrayList<>();
    for (String field : List.of("outcome", "reasonCode", "reasons", "output", "attributions")) {
      if (!Objects.equals(recorded.get(field), replayed.get(field))) {
        differences.add(field + " differs");
      }
    }
    if (!Objects.equals(recordedModel.sha256(), replayedModel.sha256())) {
      differences.add(
          0,
          "the model artifact changed: recorded sha256 "
              + recordedModel.sha256()
              + ", loaded now "
              + replayedModel.sha256()
              + (Objects.equals(recordedModel.version(), replayedModel.version())
                  ? " (same version number)"
                  : " (version "
                      + recordedModel.version()
                      + " → "
                      + replayedModel.version()
                      + ")"));
    } else if (!differences.isEmpty()) {
      differences.add(
          "same model artifact, different result: the runtime or Clarion's scoring code changed");
    }
    return differences;
  }

  private ShadowReplay shadow(DecisionRecord r) {
    RecordedShadow s;
    try {
      s = RecordedShadow.read(r.shadow);
    } catch (IllegalArgumentException e) {
      return new ShadowReplay(
          false, List.of("the stored shadow part cannot be read back"), null, null);
    }
    if (s == null) {
      return null;
    }
    Model recordedModel = new Model(s.model().id(), s.model().version(), s.model().sha256());
    if (s.extraction() == null) {
      return new ShadowReplay(
          false, List.of("the shadow failed before its inputs were complete"), recordedModel, null);
    }
    ModelRegistry.Catalogue catalogue = models.catalogue();
    OnnxModel model =
        catalogue
            .version(s.model().id(), s.model().version())
            .map(ModelRegistry.Served::model)
            .or(() -> Optional.ofNullable(catalogue.models().get(s.model().id())))
            .orElse(null);
    if (model == null) {
      return new ShadowReplay(
          false,
          List.of("model '" + s.model().id() + "' is not loaded; the shadow cannot be replayed"),
          recordedModel,
          null);
    }
    Model replayedModel =
        new Model(model.descriptor().id(), model.descriptor().version(), model.sha256());
    Assessment a = assessor.assess(model, s.extraction(), List.of());
    JsonNode recorded =
        normalized(
            result(
                s.outcome(),
                s.reasonCode(),
                mapper.valueToTree(s.reasons()),
                s.output() == null ? null : s.output().toJson(mapper),
                s.output() == null ? null : mapper.valueToTree(s.attributions())));
    JsonNode replayed = normalized(result(a));
    List<String> differences = compare(recorded, replayed, recordedModel, replayedModel);
    return new ShadowReplay(differences.isEmpty(), differences, recordedModel, replayedModel);
  }

  /**
   * The stored inputs, typed. The scenarios the decision was scored with are recorded with its
   * inputs since 2026-12-02; for older records they are those its service scores with (order-sign:
   * the ordered treatment).
   */
  private RecordedInputs inputs(DecisionRecord r) {
    RecordedInputs inputs;
    try {
      inputs = RecordedInputs.read(r.inputs);
    } catch (IllegalArgumentException e) {
      throw new ConflictException(
          "not-replayable", "The stored inputs cannot be read back as model inputs.");
    }
    return inputs.scenarios() != null
        ? inputs
        : new RecordedInputs(
            inputs.extraction(),
            inputs.sources(),
            scenarioSource.forService(r.serviceId),
            inputs.demographics());
  }

  private ObjectNode result(
      Assessment.Outcome outcome,
      String reasonCode,
      JsonNode reasons,
      JsonNode output,
      JsonNode attributions) {
    ObjectNode n = mapper.createObjectNode();
    n.put("outcome", outcome.name());
    n.put("reasonCode", reasonCode);
    n.set("reasons", outcome == Assessment.Outcome.SCORED ? null : reasons);
    n.set("output", output);
    n.set("attributions", attributions);
    return n;
  }

  /** The same shape DecisionRecorder records. */
  private ObjectNode result(Assessment a) {
    ObjectNode output = a.scored() ? RecordedOutput.of(a).toJson(mapper) : null;
    return result(
        a.outcome(),
        a.reasonCode(),
        a.scored() ? null : mapper.valueToTree(a.reasons()),
        output,
        a.scored() ? mapper.valueToTree(a.attributions()) : null);
  }

  /** Through JSON text and back, so stored and fresh values compare the same way. */
  private JsonNode normalized(JsonNode node) {
    try {
      return RecordHasher.sorted(mapper.readTree(mapper.writeValueAsString(node)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
