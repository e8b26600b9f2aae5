package dev.clarion.imaging;

import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.error.DefinitionException;
import dev.clarion.model.ModelLoader;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The imaging models of the models folder: every {@code models/<id>/image-model.json}, loaded and
 * checked ({@link ImageModel#load}) when first needed; a bad folder fails naming the file and
 * field. Reloaded with the rest of the models (the folder watcher and {@code POST
 * /admin/models/reload}): a new set is read and checked in full, then swapped in at once; the
 * sessions it replaces are closed a minute later, when no call can still be using them.
 *
 * <p>Thread-safe.
 */
@ApplicationScoped
public class ImageModels {

  private static final Logger LOG = Logger.getLogger(ImageModels.class);

  /** A set of imaging models read from disk, and the fingerprint of the files it was read from. */
  public record Loaded(Map<String, ImageModel> models, String fingerprint) {}

  private final Path dir;
  private final int threads;
  private final ObjectMapper mapper;
  private final ScheduledExecutorService closer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "clarion-imaging-model-closer");
            t.setDaemon(true);
            return t;
          });
  private volatile Loaded active;

  public ImageModels(
      @ConfigProperty(name = "clarion.models.dir", defaultValue = "models") Path dir,
      @ConfigProperty(name = "clarion.models.intra-op-threads", defaultValue = "1") int threads,
      ObjectMapper mapper) {
    this.dir = dir;
    this.threads = threads;
    this.mapper = mapper;
  }

  /** The imaging model with this id. */
  public Optional<ImageModel> find(String id) {
    return Optional.ofNullable(all().get(id));
  }

  /** The model card ({@code model-card.json} beside the descriptor) of a model, if it has one. */
  public Optional<JsonNode> card(String id) {
    Path file = dir.resolve(id).resolve("model-card.json");
    if (find(id).isEmpty() || !Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(mapper.readTree(file.toFile()));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Every imaging model now active, by id. */
  public Map<String, ImageModel> all() {
    return loaded().models();
  }

  /** The fingerprint of the active set. */
  public String fingerprint() {
    return loaded().fingerprint();
  }

  private Loaded loaded() {
    Loaded l = active;
    if (l == null) {
      synchronized (this) {
        if (active == null) {
          active = read();
          log(active);
        }
        l = active;
      }
    }
    return l;
  }

  /**
   * Reads and checks every imaging model now on disk, without activating it.
   *
   * @throws DefinitionException naming the file and field of the first that does not check out
   */
  public Loaded read() {
    String fingerprint = fingerprintOnDisk();
    Map<String, ImageModel> loaded = new LinkedHashMap<>();
    try {
      for (Path file : descriptors(dir)) {
        ImageModel m = ImageModel.load(file, mapper, OrtEnvironment.getEnvironment(), threads);
        loaded.put(m.descriptor().id(), m);
      }
    } catch (RuntimeException e) {
      loaded.values().forEach(ImageModels::closeQuietly);
      throw e;
    }
    return new Loaded(Map.copyOf(loaded), fingerprint);
  }

  /**
   * Makes a set read by {@link #read} the active one; the sessions it replaces are closed a minute
   * later. Returns what changed, e.g. {@code "lesion-demo 1.0.0 → 1.0.1"}.
   */
  public synchronized List<String> activate(Loaded next) {
    Loaded previous = loaded();
    List<String> changes = new ArrayList<>();
    for (ImageModel m : next.models().values()) {
      ImageModel before = previous.models().get(m.descriptor().id());
      if (before == null) {
        changes.add(m.descriptor().id() + " " + m.descriptor().version() + " added");
      } else if (!before.sha256().equals(m.sha256())
          || !before.descriptor().equals(m.descriptor())
          || !before.preprocessing().equals(m.preprocessing())) {
        changes.add(
            m.descriptor().id()
                + " "
                + before.descriptor().version()
                + " → "
                + m.descriptor().version());
      }
    }
    previous.models().keySet().stream()
        .filter(id -> !next.models().containsKey(id))
        .forEach(id -> changes.add(id + " removed"));
    active = next;
    closer.schedule(
        () -> previous.models().values().forEach(ImageModels::closeQuietly), 60, TimeUnit.SECONDS);
    log(next);
    return changes;
  }

  /** Discards a set that was read but will not be activated. */
  public void discard(Loaded unused) {
    unused.models().values().forEach(ImageModels::closeQuietly);
  }

  /** sha256 over the name and bytes of every file directly inside each imaging model's folder. */
  public String fingerprintOnDisk() {
    try {
      return ModelLoader.fingerprint(dir, descriptors(dir).stream().map(Path::getParent).toList());
    } catch (IOException e) {
      return "unreadable: " + e.getClass().getSimpleName();
    }
  }

  private static List<Path> descriptors(Path dir) {
    try (Stream<Path> folders = Files.list(dir)) {
      return folders
          .map(f -> f.resolve(ImageModel.DESCRIPTOR))
          .filter(Files::isRegularFile)
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new DefinitionException(dir, "cannot list the models folder", e);
    }
  }

  private static void log(Loaded l) {
    for (ImageModel m : l.models().values()) {
      LOG.infof(
          "Imaging model %s %s (sha256 %s…)%s",
          m.descriptor().id(),
          m.descriptor().version(),
          m.sha256().substring(0, 12),
          m.descriptor().demonstration() ? ": DEMONSTRATION, not for clinical use" : "");
    }
  }

  private static void closeQuietly(ImageModel m) {
    try {
      m.close();
    } catch (Exception e) {
      LOG.warnf("Closing imaging model %s failed", m.descriptor().id());
    }
  }

  @PreDestroy
  void close() {
    closer.shutdownNow();
    Loaded l = active;
    if (l != null) {
      l.models().values().forEach(ImageModels::closeQuietly);
    }
  }
}
