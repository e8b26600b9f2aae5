package dev.clarion.audit;

import dev.clarion.runtime.RunMode;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Holds the Ed25519 key that seals the decision chain ({@code clarion.audit.signing-key}): the
 * decision writer signs each committed batch with it and checkpoints carry those signatures, so
 * that someone with the application's database credentials can append rows, but not rows that
 * verify. Verification accepts the current key and any {@code clarion.audit.verify-keys}. Keys are
 * named by their id: the first 16 hex digits of SHA-256 over the raw 32-byte public key.
 * Thread-safe.
 */
@ApplicationScoped
public class ChainSigner {

  private static final Logger LOG = Logger.getLogger(ChainSigner.class);

  /** DER prefixes of an Ed25519 key: PKCS#8 private key (RFC 8410 §7) and SPKI public key. */
  private static final byte[] PKCS8_PREFIX =
      HexFormat.of().parseHex("302e020100300506032b657004220420");

  private static final byte[] SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

  private final AuditConfig config;
  private final boolean embedded;
  private Ed25519PrivateKeyParameters key;
  private String keyId;
  private final Map<String, Ed25519PublicKeyParameters> verifiers = new LinkedHashMap<>();

  ChainSigner(
      AuditConfig config,
      @ConfigProperty(name = RunMode.EMBEDDED_RUN, defaultValue = "false") boolean embedded) {
    this.config = config;
    this.embedded = embedded;
  }

  @PostConstruct
  void load() {
    Path file =
        config
            .signingKey()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "clarion.audit.signing-key (CLARION_AUDIT_SIGNING_KEY) is required: the"
                            + " path of an Ed25519 private key in PKCS#8 PEM (openssl genpkey"
                            + " -algorithm ed25519 -out audit-signing-key.pem), mounted from a"
                            + " file or Secret the database never holds, the same on every"
                            + " replica. It seals the decision chain."));
    if (config.signingKeyCreate() && RunMode.production(embedded)) {
      throw new IllegalStateException(
          "clarion.audit.signing-key-create is for the embedded run: a production run must be given"
              + " one key, the same on every replica (create it once with openssl genpkey"
              + " -algorithm ed25519 and mount it from a Secret)");
    }
    try {
      if (!Files.exists(file) && config.signingKeyCreate()) {
        create(file);
      }
      key = new Ed25519PrivateKeyParameters(privateKeyBytes(pem(file, "PRIVATE KEY")), 0);
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalStateException(
          "clarion.audit.signing-key "
              + file
              + ": not a readable Ed25519 private key (PKCS#8 PEM): "
              + e.getMessage(),
          e);
    }
    Ed25519PublicKeyParameters pub = key.generatePublicKey();
    keyId = keyId(pub.getEncoded());
    verifiers.put(keyId, pub);
    for (Path earlier : config.verifyKeys().orElse(List.of())) {
      try {
        byte[] spki = pem(earlier, "PUBLIC KEY");
        if (spki.length != 44 || !Arrays.equals(spki, 0, 12, SPKI_PREFIX, 0, 12)) {
          throw new IllegalArgumentException("not an Ed25519 public key");
        }
        byte[] raw = Arrays.copyOfRange(spki, 12, 44);
        verifiers.put(keyId(raw), new Ed25519PublicKeyParameters(raw, 0));
      } catch (IOException | IllegalArgumentException e) {
        throw new IllegalStateException(
            "clarion.audit.verify-keys " + earlier + ": " + e.getMessage(), e);
      }
    }
  }

  /** A production run refuses to start without the key (the bean's creation checks it). */
  void check(@Observes StartupEvent event) {
    LOG.infof(
        "Decision chain sealed with Ed25519 key %s%s",
        keyId,
        LaunchMode.current() == LaunchMode.NORMAL && embedded
            ? " (embedded run: " + config.signingKey().orElseThrow() + ")"
            : "");
  }

  /** The id of the key new seals are signed with. */
  public String keyId() {
    return keyId;
  }

  /** The signing key's public half as SPKI PEM, for auditors' own verification. */
  public String publicKeyPem() {
    return "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(spki(key.generatePublicKey().getEncoded()))
        + "\n-----END PUBLIC KEY-----\n";
  }

  /** Ed25519 signature over the UTF-8 payload, base64. */
  public String sign(String payload) {
    Ed25519Signer signer = new Ed25519Signer();
    signer.init(true, key);
    byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
    signer.update(bytes, 0, bytes.length);
    return Base64.getEncoder().encodeToString(signer.generateSignature());
  }

  /** Whether the signature verifies with the named key (current or earlier); unknown key: false. */
  public boolean verify(String keyId, String payload, String signature) {
    Ed25519PublicKeyParameters pub = verifiers.get(keyId);
    if (pub == null || signature == null) {
      return false;
    }
    byte[] sig;
    try {
      sig = Base64.getDecoder().decode(signature);
    } catch (IllegalArgumentException e) {
      return false;
    }
    Ed25519Signer verifier = new Ed25519Signer();
    verifier.init(false, pub);
    byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
    verifier.update(bytes, 0, bytes.length);
    return verifier.verifySignature(sig);
  }

  /** Whether seals signed with this key id can be verified here. */
  public boolean knows(String keyId) {
    return verifiers.containsKey(keyId);
  }

  private static void create(Path file) throws IOException {
    Ed25519PrivateKeyParameters fresh = new Ed25519PrivateKeyParameters(new SecureRandom());
    byte[] der = new byte[48];
    System.arraycopy(PKCS8_PREFIX, 0, der, 0, 16);
    System.arraycopy(fresh.getEncoded(), 0, der, 16, 32);
    String pem =
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getEncoder().encodeToString(der)
            + "\n-----END PRIVATE KEY-----\n";
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, pem, StandardCharsets.US_ASCII);
    try {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: leave the platform's default
    }
    Files.move(tmp, file);
    LOG.infof("Created the decision chain's signing key %s", file);
  }

  private static byte[] privateKeyBytes(byte[] pkcs8) throws GeneralSecurityException {
    // The JDK reads every PKCS#8 form (with or without the public key); BC signs faster.
    EdECPrivateKey parsed =
        (EdECPrivateKey)
            KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    return parsed
        .getBytes()
        .orElseThrow(() -> new GeneralSecurityException("the key has no private bytes"));
  }

  private static byte[] pem(Path file, String type) throws IOException {
    String text = Files.readString(file, StandardCharsets.US_ASCII);
    String begin = "-----BEGIN " + type + "-----";
    String end = "-----END " + type + "-----";
    int from = text.indexOf(begin);
    int to = text.indexOf(end);
    if (from < 0 || to < from) {
      throw new IllegalArgumentException("no " + begin + " block");
    }
    return Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
  }

  private static byte[] spki(byte[] raw) {
    byte[] der = new byte[44];
    System.arraycopy(SPKI_PREFIX, 0, der, 0, 12);
    System.arraycopy(raw, 0, der, 12, 32);
    return der;
  }

  private static String keyId(byte[] raw) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(raw))
          .substring(0, 16);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
