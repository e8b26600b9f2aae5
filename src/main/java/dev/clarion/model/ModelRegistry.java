package dev.clarion.model;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.binding.Binding;
import dev.clarion.binding.Bindings;
import dev.clarion.binding.UnitConverter;
import dev.clarion.boot.DefinitionException;
import dev.clarion.terminology.ValueSetLibrary;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
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
   * @param models model id → loaded model (with its binding)
   * @param cards model id → model card
   * @param fingerprint sha256 over the files the catalogue was read from
   */
  public record Catalogue(
      Map<String, OnnxModel> models, Map<String, JsonNode> cards, String fingerprint) {}

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
    }
  }

  public Optional<OnnxModel> find(String id) {
    return Optional.ofNullable(current.models().get(id));
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
    Map<String, JsonNode> loadedCards = new TreeMap<>();
    Path dir = config.dir();
    if (!Files.isDirectory(dir)) {
      throw new DefinitionException(dir, "models.dir", "is not a folder");
    }
    ValueSetLibrary valueSets = ValueSetLibrary.load(dir.resolve(ValueSetLibrary.FOLDER), strict);
    try {
      for (Path folder : modelFolders(dir)) {
        OnnxModel model = null;
        try {
          model = load(folder.resolve("model.json"), strict, env, config.intraOpThreads());
          Binding binding =
              Bindings.load(folder.resolve("binding.json"), model.descriptor(), ucum, valueSets);
          loadedCards.put(
              model.descriptor().id(), readCard(folder.resolve("model-card.json"), strict));
          loaded.put(model.descriptor().id(), model.withBinding(binding));
        } catch (RuntimeException e) {
          closeQuietly(model);
          loaded.values().forEach(ModelRegistry::closeQuietly);
          throw e;
        }
      }
      return new Catalogue(Map.copyOf(loaded), Map.copyOf(loadedCards), fingerprint(dir));
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
          || !old.binding().equals(m.binding())) {
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
    current = next;
    List<OnnxModel> retired = new ArrayList<>(before.models().values());
    CompletableFuture.delayedExecutor(CLOSE_DELAY.toMillis(), TimeUnit.MILLISECONDS)
        .execute(() -> retired.forEach(ModelRegistry::closeQuietly));
    return changes;
  }

  /** Closes a catalogue that was read but will not be activated. */
  public void discard(Catalogue unused) {
    unused.models().values().forEach(ModelRegistry::closeQuietly);
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

  /** sha256 over the name and bytes of every file directly inside each model folder. */
  private static String fingerprint(Path dir) throws IOException {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      List<Path> folders = new ArrayList<>(modelFolders(dir));
      if (Files.isDirectory(dir.resolve(ValueSetLibrary.FOLDER))) {
        folders.add(dir.resolve(ValueSetLibrary.FOLDER)); // a new value set version is a change
      }
      for (Path folder : folders) {
        List<Path> files;
        try (Stream<Path> list = Files.list(folder)) {
          files = list.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path file : files) {
          digest.update(dir.relativize(file).toString().getBytes(StandardCharsets.UTF_8));
          digest.update((byte) 0);
          digest.update(Files.readAllBytes(file));
        }
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String sha(OnnxModel m) {
    return "(sha256 " + m.sha256().substring(0, 12) + "…)";
  }

  @PreDestroy
  public void closeAll() {
    current.models().values().forEach(ModelRegistry::closeQuietly);
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

  public static OnnxModel load(Path file, ObjectMapper mapper, OrtEnvironment env, int threads) {
    ModelDescriptor d;
    try {
      d = mapper.readValue(file.toFile(), ModelDescriptor.class);
    } catch (IOException e) {
      throw new DefinitionException(file, "is not a valid model descriptor: " + e.getMessage(), e);
    }
    require(file, "id", d.id());
    if (!d.id().equals(file.getParent().getFileName().toString())) {
      throw new DefinitionException(file, "id", "must equal the folder name");
    }
    require(file, "name", d.name());
    require(file, "label", d.label());
    require(file, "version", d.version());
    require(file, "artifact", d.artifact());
    require(file, "sha256", d.sha256());
    require(file, "input", d.input());
    require(file, "output", d.output());
    require(file, "intendedPopulation", d.intendedPopulation());
    if (d.features() == null || d.features().isEmpty()) {
      throw new DefinitionException(file, "features", "must list the model inputs");
    }
    for (int i = 0; i < d.features().size(); i++) {
      ModelDescriptor.Feature f = d.features().get(i);
      require(file, "features[" + i + "].name", f.name());
      require(file, "features[" + i + "].label", f.label());
      if (f.min() != null && f.max() != null && f.min() > f.max()) {
        throw new DefinitionException(file, "features[" + i + "].min", "is above max");
      }
      if (f.isOptional() && (f.attributed() || f.whatIf() != null)) {
        throw new DefinitionException(
            file, "features[" + i + "].optional", "inputs cannot be attributed or have a what-if");
      }
      ModelDescriptor.WhatIf w = f.whatIf();
      if (w != null) {
        String at = "features[" + i + "].whatIf";
        require(file, at + ".label", w.label());
        if (!"decrease".equals(w.direction()) && !"increase".equals(w.direction())) {
          throw new DefinitionException(file, at + ".direction", "must be decrease or increase");
        }
        if ((f.min() != null && w.target() < f.min())
            || (f.max() != null && w.target() > f.max())) {
          throw new DefinitionException(file, at + ".target", "is outside the validated range");
        }
      }
    }
    validateReference(file, d);
    if (d.bands() == null || d.bands().isEmpty()) {
      throw new DefinitionException(file, "bands", "must list at least one band");
    }
    validateScale(file, d);

    byte[] artifact;
    Path artifactFile = file.resolveSibling(d.artifact());
    try {
      artifact = Files.readAllBytes(artifactFile);
    } catch (IOException e) {
      throw new DefinitionException(file, "artifact", "cannot be read: " + artifactFile);
    }
    String sha256 = sha256(artifact);
    if (!sha256.equalsIgnoreCase(d.sha256())) {
      throw new DefinitionException(
          file, "sha256", "does not match " + d.artifact() + " (actual " + sha256 + ")");
    }
    try {
      OrtSession.SessionOptions options = new OrtSession.SessionOptions();
      options.setIntraOpNumThreads(threads);
      options.setInterOpNumThreads(1);
      OrtSession session = env.createSession(artifact, options);
      checkSignature(file, d, session);
      TreeEnsemble trees = null;
      if ("treeshap".equals(d.explanation())) {
        try {
          trees = TreeEnsemble.fromOnnx(artifact, d.features().size());
        } catch (IllegalArgumentException e) {
          throw new DefinitionException(file, "explanation", "treeshap: " + e.getMessage());
        }
      }
      return new OnnxModel(d, sha256, env, session, null, trees);
    } catch (OrtException e) {
      throw new DefinitionException(file, "ONNX Runtime cannot load " + d.artifact(), e);
    }
  }

  /** Point scores need item tables, an item-points output and the points explanation. */
  private static void validateScale(Path file, ModelDescriptor d) {
    if (d.scale() != null && !d.scale().equals("probability") && !d.points()) {
      throw new DefinitionException(file, "scale", "must be probability or points");
    }
    if (d.explanation() != null
        && !List.of("shapley", "points", "treeshap").contains(d.explanation())) {
      throw new DefinitionException(file, "explanation", "must be shapley, points or treeshap");
    }
    boolean pointsExplained = "points".equals(d.explanation());
    if (pointsExplained != d.points()) {
      throw new DefinitionException(
          file, "explanation", "is points exactly when the scale is points");
    }
    if (!d.points()) {
      return;
    }
    require(file, "itemPoints", d.itemPoints());
    for (int i = 0; i < d.features().size(); i++) {
      try {
        PointScoreGraphBuilder.table(d, d.features().get(i));
      } catch (IllegalArgumentException e) {
        throw new DefinitionException(file, "features[" + i + "].points", e.getMessage());
      }
    }
  }

  private static void validateReference(Path file, ModelDescriptor d) {
    if (d.reference() == null || d.reference().values() == null) {
      throw new DefinitionException(file, "reference", "is required for explanations");
    }
    for (ModelDescriptor.Feature f : d.features()) {
      if (f.attributed() && !d.reference().values().containsKey(f.name())) {
        throw new DefinitionException(file, "reference.values." + f.name(), "is missing");
      }
    }
  }

  private static void checkSignature(Path file, ModelDescriptor d, OrtSession session)
      throws OrtException {
    NodeInfo input = session.getInputInfo().get(d.input());
    if (input == null || session.getInputInfo().size() != 1) {
      throw new DefinitionException(
          file, "input", "must name the single ONNX input " + session.getInputNames());
    }
    long[] shape = ((TensorInfo) input.getInfo()).getShape();
    if (shape.length != 2 || shape[1] != d.features().size()) {
      throw new DefinitionException(
          file,
          "features",
          "lists "
              + d.features().size()
              + " inputs but the ONNX input is "
              + java.util.Arrays.toString(shape));
    }
    if (!session.getOutputInfo().containsKey(d.output())) {
      throw new DefinitionException(
          file, "output", "is not an ONNX output " + session.getOutputNames());
    }
    if (d.alsoReports() != null) {
      for (int i = 0; i < d.alsoReports().size(); i++) {
        ModelDescriptor.AlsoReport a = d.alsoReports().get(i);
        if (a.label() == null || !session.getOutputInfo().containsKey(a.output())) {
          throw new DefinitionException(
              file,
              "alsoReports[" + i + "]",
              "needs a label and an ONNX output " + session.getOutputNames());
        }
        if (a.requires() != null
            && (d.featureIndex(a.requires()) < 0
                || !d.features().get(d.featureIndex(a.requires())).isOptional())) {
          throw new DefinitionException(
              file, "alsoReports[" + i + "].requires", "must name an optional input");
        }
        if (a.onlyWhen() != null && d.featureIndex(a.onlyWhen().input()) < 0) {
          throw new DefinitionException(
              file, "alsoReports[" + i + "].onlyWhen.input", "is not an input of the model");
        }
      }
    }
    if (d.itemPoints() != null && !session.getOutputInfo().containsKey(d.itemPoints())) {
      throw new DefinitionException(
          file, "itemPoints", "is not an ONNX output " + session.getOutputNames());
    }
  }

  private static JsonNode readCard(Path file, ObjectMapper mapper) {
    try {
      return mapper.readTree(file.toFile());
    } catch (IOException e) {
      throw new DefinitionException(file, "model card missing or not JSON", e);
    }
  }

  private static void require(Path file, String field, String value) {
    if (value == null || value.isBlank()) {
      throw new DefinitionException(file, field, "is required");
    }
  }

  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
