package dev.clarion.catalogue;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;

/** Where models are found and how ONNX Runtime runs them. */
@ConfigMapping(prefix = "clarion.models")
public interface ModelConfig {

  /** Folder holding one sub-folder per model ({@code model.json}, the ONNX file, the card). */
  @WithDefault("models")
  Path dir();

  /**
   * ONNX Runtime intra-op threads per session. The models are tiny; parallelism comes from
   * concurrent requests, so 1 avoids oversubscribing small machines.
   */
  @WithDefault("1")
  int intraOpThreads();

  /**
   * How often each replica checks the model folder for changes and, when every model, binding and
   * service still checks out, activates the new catalogue; 0 turns the watcher off (an integrator
   * can still reload through {@code POST /admin/models/reload}).
   */
  @WithDefault("10s")
  java.time.Duration watchInterval();
}
