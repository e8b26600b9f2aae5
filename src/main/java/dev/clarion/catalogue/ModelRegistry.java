package dev.clarion.catalogue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.binding.Binding;
import dev.clarion.binding.Bindings;
import dev.clarion.binding.Relevance;
import dev.clarion.binding.UnitConverter;
import dev.clarion.error.DefinitionException;
import dev.clarion.model.ModelLoader;
import dev.clarion.model.OnnxModel;
import dev.clarion.recommend.RecommendationFiles;
import dev.clarion.recommend.RecommendationRules;
import dev.clarion.terminology.ValueSetLibrary;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * The model catalogue: every folder under {@link ModelConfig#dir()} with a {@code model.json} —
 * descriptor, ONNX artifact (sha256 checked against the pin, input/output against the descriptor),
 * FHIR binding (checked against the descriptor) and model card — loaded as one unit. Any problem at
 * start-up stops the server with a message naming the file and field.
 *
 * <p>A new catalogue can be read from disk ({@link #read()}) and activated ({@link #activate})
 * without a restart: lookups see either the old or the new catalogue, never a mix, and the ONNX
 * sessions of replaced models are closed a minute later, after in-flight requests. Thread-safe.
 */
@Startup
@ApplicationScoped
public class ModelRegistry {

  private static final Logger LOG = Logger.getLogger(ModelRegistry.class);

  /** How long a replaced model stays open for requests that already hold it. */
  static final Duration CLOSE_DELAY = Duration.ofSeconds(60);

  /**
   * One consistent set of models.
   *
   * @param models model id → loaded model
   * @param bindings model id → its FHIR binding (checked against the model's descriptor)
   * @param cards model id → model card
   * @param candidates {@code id@version} → a candidate version held beside the active one ({@code
   *     models/<id>/candidates/<version>/}), for services that score it in shadow
   * @param recommendations model id → its recommendation rules ({@code recommendations.json};
   *     {@link RecommendationRules#NONE} without one)
   * @param relevance model id → which resources can contribute to its binding (worked out once)
   * @param fingerprint sha256 over the files the catalogue was read from
   */
  public record Catalogue(
      Map<String, OnnxModel> models,
      Map<String, Binding> bindings,
      Map<String, JsonNode> cards,
      Map<String, Served> candidates,
      Map<String, RecommendationRules> recommendations,
      Map<String, Relevance> relevance,
      String fingerprint) {

    /** The model, its binding and its recommendation rules, from this one catalogue. */
    public Optional<Served> served(String id) {
      OnnxModel model = models.get(id);
      return model == null
          ? Optional.empty()
          : Optional.of(
              new Served(
                  model,
                  bindings.get(id),
                  recommendations.getOrDefault(id, RecommendationRules.NONE),
                  relevance.get(id)));
    }

    /**
     * An exact model version: the active one if it has that version, else the candidate of that
     * version.
     */
    public Optional<Served> version(String id, String version) {
      OnnxModel active = models.get(id);
      if (active != null && active.descriptor().version().equals(version)) {
        return served(id);
      }
      return Optional.ofNullable(candidates.get(id + "@" + version));
    }

    /** Every ONNX model this catalogue holds open: active ones and candidates. */
    List<OnnxModel> open() {
      List<OnnxModel> all = new ArrayList<>(models.values());
      candidates.values().forEach(c -> all.add(c.model()));
      return all;
    }
  }

  /** The folder under a model's folder that holds its candidate versions, one folder each. */
  public static final String CANDIDATES = "candidates";

  /**
   * A model as served: the ONNX model, the binding that reads its inputs from FHIR, the
   * recommendation rules written for it and the binding's prefetch pre-selection, always from the
   * same catalogue (even while a reload activates another).
   */
  public record Served(
      OnnxModel model, Binding binding, RecommendationRules recommendations, Relevance relevance) {

    /** With the binding's {@link Relevance} worked out now. */
    public Served(OnnxModel model, Binding binding, RecommendationRules recommendations) {
      this(model, binding, recommendations, Relevance.of(binding));
    }
  }

  private final ModelConfig config;
  private final ObjectMapper strict;
  private final UnitConverter ucum;
  private volatile Catalogue current;

  @Inject
  ModelRegistry(ModelConfig config, ObjectMapper mapper, UnitConverter ucum) {
    this.config = config;
    this.strict = mapper.copy().enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    this.ucum = ucum;
    this.current = read();
    for (OnnxModel model : current.models().values()) {
      LOG.infof(
          "Loaded model %s %s (sha256 %s)",
          model.descriptor().id(), model.descriptor().version(), model.sha256());
      RecommendationRules rules =
          current.recommendations().getOrDefault(model.descriptor().id(), RecommendationRules.NONE);
      long unreviewed = rules.rules().stream().filter(r -> r.review() == null).count();
      if (unreviewed > 0) {
        LOG.infof(
            "Model %s: %d of %d recommendation rules have no clinical review recorded; a"
                + " production run withholds them",
            model.descriptor().id(), unreviewed, rules.rules().size());
      }
    }
  }

  public Optional<OnnxModel> find(String id) {
    return Optional.ofNullable(current.models().get(id));
  }

  /** A model with its binding, from the catalogue requests use now. */
  public Optional<Served> served(String id) {
    return current.served(id);
  }

  /** The model card (source attributes) of a loaded model. */
  public Optional<JsonNode> card(String id) {
    return Optional.ofNullable(current.cards().get(id));
  }

  public List<OnnxModel> all() {
    return List.copyOf(current.models().values());
  }

  /** The catalogue requests use now. */
  public Catalogue catalogue() {
    return current;
  }

  /** Builds a registry outside CDI (tools and tests). */
  public static ModelRegistry create(ModelConfig config, ObjectMapper mapper) {
    return new ModelRegistry(config, mapper, new UnitConverter());
  }

  /**
   * Reads and checks every model folder now on disk, without activating anything.
   *
   * @throws DefinitionException naming the file and field of the first problem
   */
  public Catalogue read() {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    Map<String, OnnxModel> loaded = new TreeMap<>();
    Map<String, Binding> bindings = new TreeMap<>();
    Map<String, JsonNode> loadedCards = new TreeMap<>();
    Map<String, Served> candidates = new TreeMap<>();
    Map<String, RecommendationRules> recommendations = new TreeMap<>();
    Path dir = config.dir();
    if (!Files.isDirectory(dir)) {
      throw new DefinitionException(dir, "models.dir", "is not a folder");
    }
    ValueSetLibrary valueSets = ValueSetLibrary.load(dir.resolve(ValueSetLibrary.FOLDER), strict);
    try {
      for (Path folder : modelFolders(dir)) {
        OnnxModel model = null;
        try {
          model =
              ModelLoader.load(folder.resolve("model.json"), strict, env, config.intraOpThreads());
          Binding binding =
              Bindings.load(folder.resolve("binding.json"), model.descriptor(), ucum, valueSets);
          loadedCards.put(
              model.descriptor().id(), readCard(folder.resolve("model-card.json"), strict));
          recommendations.put(
              model.descriptor().id(),
              RecommendationFiles.load(folder, model.descriptor(), binding, valueSets));
          loaded.put(model.descriptor().id(), model);
          bindings.put(model.descriptor().id(), binding);
          model = null;
          for (Path candidate : candidateFolders(folder)) {
            model =
                ModelLoader.loadCandidate(
                    candidate.resolve("model.json"), strict, env, config.intraOpThreads());
            if (model
                .descriptor()
                .version()
                .equals(loaded.get(model.descriptor().id()).descriptor().version())) {
              throw new DefinitionException(
                  candidate.resolve("model.json"),
                  "version",
                  "is the active version of the model; a candidate must be another version");
            }
            Binding candidateBinding =
                Bindings.load(
                    candidate.resolve("binding.json"), model.descriptor(), ucum, valueSets);
            readCard(candidate.resolve("model-card.json"), strict);
            candidates.put(
                model.descriptor().id() + "@" + model.descriptor().version(),
                new Served(
                    model,
                    candidateBinding,
                    RecommendationFiles.load(
                        candidate, model.descriptor(), candidateBinding, valueSets)));
            model = null;
          }
        } catch (RuntimeException e) {
          closeQuietly(model);
          loaded.values().forEach(ModelRegistry::closeQuietly);
          candidates.values().forEach(c -> closeQuietly(c.model()));
          throw e;
        }
      }
      return new Catalogue(
          Map.copyOf(loaded),
          Map.copyOf(bindings),
          Map.copyOf(loadedCards),
          Map.copyOf(candidates),
          Map.copyOf(recommendations),
          bindings.entrySet().stream()
              .collect(
                  java.util.stream.Collectors.toUnmodifiableMap(
                      Map.Entry::getKey, b -> Relevance.of(b.getValue()))),
          fingerprint(dir));
    } catch (IOException e) {
      throw new DefinitionException(dir, "cannot list models", e);
    }
  }

  /**
   * Makes {@code next} the catalogue every new request uses. Models it replaces or removes are
   * closed after {@link #CLOSE_DELAY}.
   *
   * @return what changed, one line per model ("kfre 1.0.0 → 1.1.0 (sha256 …)")
   */
  public synchronized List<String> activate(Catalogue next) {
    Catalogue before = current;
    List<String> changes = new ArrayList<>();
    for (OnnxModel m : next.models().values()) {
      OnnxModel old = before.models().get(m.descriptor().id());
      if (old == null) {
        changes.add(m.descriptor().id() + ": added " + m.descriptor().version() + " " + sha(m));
      } else if (!old.sha256().equals(m.sha256())
          || !old.descriptor().equals(m.descriptor())
          || !before
              .bindings()
              .get(m.descriptor().id())
              .equals(next.bindings().get(m.descriptor().id()))) {
        changes.add(
            m.descriptor().id()
                + ": "
                + old.descriptor().version()
                + " "
                + sha(old)
                + " → "
                + m.descriptor().version()
                + " "
                + sha(m));
      }
    }
    for (String id : before.models().keySet()) {
      if (!next.models().containsKey(id)) {
        changes.add(id + ": removed");
      }
    }
    for (Map.Entry<String, Served> c : next.candidates().entrySet()) {
      Served old = before.candidates().get(c.getKey());
      if (old == null) {
        changes.add(c.getKey() + ": candidate added " + sha(c.getValue().model()));
      } else if (!old.model().sha256().equals(c.getValue().model().sha256())
          || !old.model().descriptor().equals(c.getValue().model().descriptor())
          || !old.binding().equals(c.getValue().binding())) {
        changes.add(
            c.getKey()
                + ": candidate replaced "
                + sha(old.model())
                + " → "
                + sha(c.getValue().model()));
      }
    }
    for (String key : before.candidates().keySet()) {
      if (!next.candidates().containsKey(key)) {
        changes.add(key + ": candidate removed");
      }
    }
    current = next;
    List<OnnxModel> retired = before.open();
    CompletableFuture.delayedExecutor(CLOSE_DELAY.toMillis(), TimeUnit.MILLISECONDS)
        .execute(() -> retired.forEach(ModelRegistry::closeQuietly));
    return changes;
  }

  /** Closes a catalogue that was read but will not be activated. */
  public void discard(Catalogue unused) {
    unused.open().forEach(ModelRegistry::closeQuietly);
  }

  /** The fingerprint of the model files now on disk (cheap: the folders hold small files). */
  public String fingerprintOnDisk() {
    try {
      return fingerprint(config.dir());
    } catch (IOException e) {
      return "unreadable: " + e.getClass().getSimpleName();
    }
  }

  private static List<Path> modelFolders(Path dir) throws IOException {
    try (Stream<Path> folders = Files.list(dir)) {
      return folders.filter(f -> Files.isRegularFile(f.resolve("model.json"))).sorted().toList();
    }
  }

  private static List<Path> candidateFolders(Path modelFolder) throws IOException {
    Path dir = modelFolder.resolve(CANDIDATES);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> folders = Files.list(dir)) {
      return folders.filter(f -> Files.isRegularFile(f.resolve("model.json"))).sorted().toList();
    }
  }

  /**
   * sha256 over the name and bytes of every file directly inside each model folder and each of its
   * candidate folders.
   */
  private static String fingerprint(Path dir) throws IOException {
    List<Path> folders = new ArrayList<>();
    for (Path folder : modelFolders(dir)) {
      folders.add(folder);
      folders.addAll(candidateFolders(folder));
    }
    if (Files.isDirectory(dir.resolve(ValueSetLibrary.FOLDER))) {
      folders.add(dir.resolve(ValueSetLibrary.FOLDER)); // a new value set version is a change
    }
    return ModelLoader.fingerprint(dir, folders);
  }

  private static String sha(OnnxModel m) {
    return "(sha256 " + m.sha256().substring(0, 12) + "…)";
  }

  @PreDestroy
  public void closeAll() {
    current.open().forEach(ModelRegistry::closeQuietly);
  }

  private static void closeQuietly(OnnxModel model) {
    if (model == null) {
      return;
    }
    try {
      model.close();
    } catch (OrtException e) {
      LOG.warnf("Closing model %s failed: %s", model.descriptor().id(), e.getMessage());
    }
  }

  private static JsonNode readCard(Path file, ObjectMapper mapper) {
    try {
      return mapper.readTree(file.toFile());
    } catch (IOException e) {
      throw new DefinitionException(file, "model card missing or not JSON", e);
    }
  }
}
