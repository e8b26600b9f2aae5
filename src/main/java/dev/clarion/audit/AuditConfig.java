package dev.clarion.audit;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** How the decision chain is sealed and where its checkpoints go. */
@ConfigMapping(prefix = "clarion.audit")
public interface AuditConfig {

  /**
   * Ed25519 private key (PKCS#8 PEM, {@code openssl genpkey -algorithm ed25519}) that seals every
   * committed batch of decisions. Mounted from a file or Kubernetes Secret, the same on every
   * replica; the database never holds it. Required for a production run; the embedded run keeps one
   * beside its data directory.
   */
  Optional<Path> signingKey();

  /** Create the signing key file if it does not exist (embedded run and tests only). */
  @WithDefault("false")
  boolean signingKeyCreate();

  /**
   * Public keys (SPKI PEM files) of earlier signing keys, so that seals made before a key rotation
   * still verify.
   */
  Optional<List<Path>> verifyKeys();

  /** Checkpoints: the newest seal published where the database role cannot write. */
  Checkpoint checkpoint();

  interface Checkpoint {

    /** How often the newest seal is published when the chain has grown (0 = only on demand). */
    @WithDefault("1m")
    Duration interval();

    /**
     * A directory the database role cannot write (a mounted volume, another host's share): one file
     * per checkpoint; {@code /audit/chain} verifies the chain against the newest one.
     */
    Optional<Path> directory();

    /** A URL each checkpoint is POSTed to as JSON (a log service, a WORM bucket's gateway). */
    Optional<URI> url();
  }
}
