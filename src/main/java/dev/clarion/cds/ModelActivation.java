package dev.clarion.cds;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.catalogue.ModelConfig;
import dev.clarion.catalogue.ModelRegistry;
import dev.clarion.error.DefinitionException;
import dev.clarion.imaging.ImageModels;
import dev.clarion.model.OnnxModel;
import dev.clarion.telemetry.Telemetry;
import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Activates new model versions without a rebuild or restart. A reload reads every model folder
 * (descriptor, sha256-pinned ONNX artifact, binding, card), checks every CDS service against the
 * result, and only if all of it holds makes it the catalogue new requests use; otherwise nothing
 * changes and the problem is reported with its file and field. Each replica watches the folder
 * ({@code clarion.models.watch-interval}), so a changed volume reaches every replica; integrators
 * can also reload at once ({@code POST /admin/models/reload}). Every activation — at start-up too —
 * is written to {@code model_activation} with who did it and what changed.
 */
@ApplicationScoped
public class ModelActivation {

  private static final Logger LOG = Logger.getLogger(ModelActivation.class);

  /**
   * @param changes one line per model that was added, replaced or removed
   * @param models what is active now: id → version
   */
  public record Result(List<String> changes, Map<String, String> models) {}

  private final ModelRegistry models;
  private final ImageModels imageModels;
  private final CdsServiceRegistry services;
  private final AgroalDataSource db;
  private final ObjectMapper mapper;
  private final Clock clock;
  private final ModelConfig config;
  private final MultiGauge served;
  private final String replica = UUID.randomUUID().toString().substring(0, 8);
  private volatile String failedFingerprint;
  private ScheduledExecutorService watcher;

  ModelActivation(
      ModelRegistry models,
      ImageModels imageModels,
      CdsServiceRegistry services,
      AgroalDataSource db,
      ObjectMapper mapper,
      Clock clock,
      ModelConfig config,
      Telemetry telemetry) {
    this.models = models;
    this.imageModels = imageModels;
    this.services = services;
    this.db = db;
    this.mapper = mapper;
    this.clock = clock;
    this.config = config;
    this.served =
        MultiGauge.builder("clarion.model.served")
            .description("Model versions this replica serves now (1), by role: active or candidate")
            .register(telemetry.registry());
  }

  void onStart(@Observes StartupEvent event) {
    record("start-up", models.catalogue(), List.of());
    long every = config.watchInterval().toMillis();
    if (every > 0) {
      watcher =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "clarion-model-watcher");
                t.setDaemon(true);
                return t;
              });
      watcher.scheduleWithFixedDelay(this::watch, every, every, TimeUnit.MILLISECONDS);
    }
  }

  void onStop(@Observes ShutdownEvent event) {
    if (watcher != null) {
      watcher.shutdownNow();
    }
  }

  /**
   * Reads, checks and activates the models now on disk.
   *
   * @param actor who asked (a principal name, or "folder watcher")
   * @throws DefinitionException when a model, binding or service does not check out; the active
   *     catalogue is then unchanged
   */
  public synchronized Result reload(String actor) {
    ModelRegistry.Catalogue next = models.read();
    ImageModels.Loaded nextImaging;
    try {
      nextImaging = imageModels.read();
    } catch (DefinitionException e) {
      models.discard(next);
      throw e;
    }
    try {
      services.checkAgainst(next);
      services.checkImagingAgainst(nextImaging);
    } catch (DefinitionException e) {
      models.discard(next);
      imageModels.discard(nextImaging);
      throw e;
    }
    List<String> changes = new java.util.ArrayList<>(models.activate(next));
    changes.addAll(imageModels.activate(nextImaging));
    record(actor, next, changes);
    LOG.infof(
        "Model catalogue activated by %s: %s",
        actor, changes.isEmpty() ? "no model changed" : String.join("; ", changes));
    failedFingerprint = null;
    return new Result(changes, active());
  }

  /** What is active now: id → version. */
  public Map<String, String> active() {
    Map<String, String> active = new java.util.TreeMap<>();
    for (OnnxModel m : models.all()) {
      active.put(m.descriptor().id(), m.descriptor().version());
    }
    imageModels.all().forEach((id, m) -> active.put(id, m.descriptor().version()));
    return active;
  }

  private void watch() {
    try {
      // The tabular catalogue's files and the imaging models' files: a change in either reloads.
      String onDisk = models.fingerprintOnDisk() + "+" + imageModels.fingerprintOnDisk();
      String active = models.catalogue().fingerprint() + "+" + imageModels.fingerprint();
      if (onDisk.equals(active) || onDisk.equals(failedFingerprint)) {
        return;
      }
      try {
        reload("folder watcher");
      } catch (DefinitionException e) {
        failedFingerprint = onDisk;
        LOG.errorf("Changed models not activated (the previous ones stay): %s", e.getMessage());
      }
    } catch (RuntimeException e) {
      LOG.errorf("Model watcher failed: %s", e.getClass().getName());
    }
  }

  private static MultiGauge.Row<?> row(OnnxModel m, String role) {
    return MultiGauge.Row.of(
        Tags.of("model", m.descriptor().id(), "version", m.descriptor().version(), "role", role),
        1);
  }

  private void record(String actor, ModelRegistry.Catalogue catalogue, List<String> changes) {
    List<MultiGauge.Row<?>> rows = new java.util.ArrayList<>();
    catalogue.models().values().forEach(m -> rows.add(row(m, "active")));
    catalogue.candidates().values().forEach(c -> rows.add(row(c.model(), "candidate")));
    served.register(rows, true);
    List<Map<String, String>> active = new java.util.ArrayList<>();
    for (OnnxModel m : catalogue.models().values()) {
      active.add(
          Map.of(
              "id", m.descriptor().id(),
              "version", m.descriptor().version(),
              "sha256", m.sha256()));
    }
    // Candidates are held for shadow scoring only: recorded as such, so the activation log shows
    // when each became available.
    for (ModelRegistry.Served c : catalogue.candidates().values()) {
      active.add(
          Map.of(
              "id", c.model().descriptor().id(),
              "version", c.model().descriptor().version(),
              "sha256", c.model().sha256(),
              "role", "candidate"));
    }
    try (Connection c = db.getConnection();
        PreparedStatement insert =
            c.prepareStatement(
                "insert into model_activation"
                    + " (activated_at, replica, actor, fingerprint, models, changes)"
                    + " values (?, ?, ?, ?, ?::jsonb, ?::jsonb)")) {
      insert.setTimestamp(1, Timestamp.from(clock.instant()));
      insert.setString(2, replica);
      insert.setString(3, actor);
      insert.setString(4, catalogue.fingerprint());
      insert.setString(5, mapper.writeValueAsString(active));
      insert.setString(6, mapper.writeValueAsString(changes));
      insert.executeUpdate();
    } catch (SQLException | com.fasterxml.jackson.core.JsonProcessingException e) {
      LOG.errorf("Model activation could not be recorded: %s", e.getClass().getName());
    }
  }
}
