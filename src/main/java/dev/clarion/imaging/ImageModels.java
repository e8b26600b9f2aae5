package dev.clarion.imaging;

import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.error.DefinitionException;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The imaging models of the models folder: every {@code models/<id>/image-model.json}, loaded and
 * checked ({@link ImageModel#load}) when first needed; a bad folder fails naming the file and
 * field.
 *
 * <p>Thread-safe.
 */
@ApplicationScoped
public class ImageModels {

  private static final Logger LOG = Logger.getLogger(ImageModels.class);

  private final Path dir;
  private final int threads;
  private final ObjectMapper mapper;
  private volatile Map<String, ImageModel> models;

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
  public Optional<com.fasterxml.jackson.databind.JsonNode> card(String id) {
    Path file = dir.resolve(id).resolve("model-card.json");
    if (!find(id).isPresent() || !Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(mapper.readTree(file.toFile()));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Every imaging model, by id. */
  public Map<String, ImageModel> all() {
    Map<String, ImageModel> m = models;
    if (m == null) {
      synchronized (this) {
        if (models == null) {
          models = load(dir, mapper, threads);
        }
        m = models;
      }
    }
    return m;
  }

  static Map<String, ImageModel> load(Path dir, ObjectMapper mapper, int threads) {
    Map<String, ImageModel> loaded = new LinkedHashMap<>();
    try (Stream<Path> folders = Files.list(dir)) {
      for (Path folder : folders.sorted().toList()) {
        Path file = folder.resolve(ImageModel.DESCRIPTOR);
        if (Files.isRegularFile(file)) {
          ImageModel m = ImageModel.load(file, mapper, OrtEnvironment.getEnvironment(), threads);
          loaded.put(m.descriptor().id(), m);
          LOG.infof(
              "Imaging model %s %s (sha256 %s…)%s",
              m.descriptor().id(),
              m.descriptor().version(),
              m.sha256().substring(0, 12),
              m.descriptor().demonstration() ? ": DEMONSTRATION, not for clinical use" : "");
        }
      }
    } catch (IOException e) {
      throw new DefinitionException(dir, "cannot list the models folder", e);
    }
    return Map.copyOf(loaded);
  }

  @PreDestroy
  void close() {
    Map<String, ImageModel> m = models;
    if (m != null) {
      m.values()
          .forEach(
              x -> {
                try {
                  x.close();
                } catch (Exception e) {
                  LOG.warnf("Closing imaging model %s failed", x.descriptor().id());
                }
              });
    }
  }
}
