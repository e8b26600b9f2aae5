package dev.clarion.imaging;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.error.DefinitionException;
import dev.clarion.model.ModelLoader;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * One imaging model served by ONNX Runtime: its descriptor, preprocessing and session. Loading
 * checks every field, the artifact's sha256 against its pin, and the ONNX signature (input {@code
 * [N, channels, rows, columns]} float, output {@code [N, 1]} float) against the preprocessing; a
 * failure names the file and field.
 *
 * <p>Thread-safe: an {@link OrtSession} may be run concurrently.
 */
public final class ImageModel implements AutoCloseable {

  /** The descriptor file in a model folder that makes it an imaging model. */
  public static final String DESCRIPTOR = "image-model.json";

  private final ImageModelDescriptor descriptor;
  private final Preprocessing preprocessing;
  private final String sha256;
  private final OrtEnvironment env;
  private final OrtSession session;

  private ImageModel(
      ImageModelDescriptor d, Preprocessing p, String sha256, OrtEnvironment env, OrtSession s) {
    this.descriptor = d;
    this.preprocessing = p;
    this.sha256 = sha256;
    this.env = env;
    this.session = s;
  }

  public ImageModelDescriptor descriptor() {
    return descriptor;
  }

  public Preprocessing preprocessing() {
    return preprocessing;
  }

  /** The artifact's sha256 (equal to the descriptor's pin). */
  public String sha256() {
    return sha256;
  }

  /** Loads {@code models/<id>/image-model.json}: its id must equal the folder name. */
  public static ImageModel load(Path file, ObjectMapper mapper, OrtEnvironment env, int threads) {
    ImageModelDescriptor d;
    try {
      d = mapper.readValue(file.toFile(), ImageModelDescriptor.class);
    } catch (IOException e) {
      throw new DefinitionException(
          file, "is not a valid imaging model descriptor: " + e.getMessage(), e);
    }
    require(file, "id", d.id());
    if (!d.id().equals(file.getParent().getFileName().toString())) {
      throw new DefinitionException(file, "id", "must equal the model's folder name");
    }
    require(file, "name", d.name());
    require(file, "label", d.label());
    require(file, "version", d.version());
    require(file, "artifact", d.artifact());
    require(file, "sha256", d.sha256());
    require(file, "input", d.input());
    require(file, "output", d.output());
    require(file, "preprocessing", d.preprocessing());
    if (d.demonstration() && (d.notice() == null || d.notice().isBlank())) {
      throw new DefinitionException(
          file, "notice", "a demonstration model must say so on every card");
    }
    if (d.requires() == null
        || d.requires().modality() == null
        || d.requires().modality().isEmpty()
        || d.requires().photometricInterpretation() == null
        || d.requires().photometricInterpretation().isEmpty()) {
      throw new DefinitionException(
          file, "requires", "must name the modalities and photometric interpretations accepted");
    }
    ImageModelDescriptor.SaliencySettings s = d.saliency();
    if (s == null
        || !"occlusion".equals(s.method())
        || !"image-mean".equals(s.baseline())
        || s.patch() < 1
        || s.stride() < 1) {
      throw new DefinitionException(
          file,
          "saliency",
          "must be {\"method\": \"occlusion\", \"baseline\": \"image-mean\"} with a positive patch"
              + " and stride");
    }
    if (d.bands() == null
        || d.bands().isEmpty()
        || d.bands().get(d.bands().size() - 1).below() != null) {
      throw new DefinitionException(
          file, "bands", "must list bands, the last one open (no 'below')");
    }
    Path preFile = file.resolveSibling(d.preprocessing());
    Preprocessing p;
    try {
      p = mapper.readValue(preFile.toFile(), Preprocessing.class);
    } catch (IOException e) {
      throw new DefinitionException(
          preFile, "is not a valid preprocessing file: " + e.getMessage(), e);
    }
    require(preFile, "version", p.version());
    if (p.problem() != null) {
      throw new DefinitionException(preFile, "preprocessing", p.problem());
    }
    if (s.patch() > Math.min(p.rows(), p.columns())) {
      throw new DefinitionException(file, "saliency.patch", "is larger than the model's input");
    }

    Path artifactFile = file.resolveSibling(d.artifact());
    byte[] artifact;
    try {
      artifact = Files.readAllBytes(artifactFile);
    } catch (IOException e) {
      throw new DefinitionException(file, "artifact", "cannot be read: " + artifactFile);
    }
    String sha = ModelLoader.sha256(artifact);
    if (!sha.equals(d.sha256())) {
      throw new DefinitionException(
          file, "sha256", "does not match the artifact (its sha256 is " + sha + ")");
    }
    try {
      OrtSession.SessionOptions options = new OrtSession.SessionOptions();
      options.setIntraOpNumThreads(threads);
      OrtSession session = env.createSession(artifact, options);
      checkSignature(file, d, p, session);
      return new ImageModel(d, p, sha, env, session);
    } catch (OrtException e) {
      throw new DefinitionException(file, "artifact is not a loadable ONNX model", e);
    }
  }

  private static void checkSignature(
      Path file, ImageModelDescriptor d, Preprocessing p, OrtSession session) throws OrtException {
    NodeInfo in = session.getInputInfo().get(d.input());
    if (in == null || !(in.getInfo() instanceof TensorInfo ti) || ti.getShape().length != 4) {
      throw new DefinitionException(file, "input", "the ONNX graph has no 4-d input of that name");
    }
    long[] shape = ti.getShape();
    if (shape[1] != p.channels() || shape[2] != p.rows() || shape[3] != p.columns()) {
      throw new DefinitionException(
          file,
          "input",
          "the graph's input is "
              + java.util.Arrays.toString(shape)
              + ", the preprocessing makes [N, "
              + p.channels()
              + ", "
              + p.rows()
              + ", "
              + p.columns()
              + "]");
    }
    if (!session.getOutputInfo().containsKey(d.output())) {
      throw new DefinitionException(file, "output", "the ONNX graph has no output of that name");
    }
  }

  /**
   * The probabilities of a batch of preprocessed images in one ONNX Runtime call.
   *
   * @param batch {@code n * rows * columns} floats, image after image
   */
  public float[] predict(float[] batch) {
    int size = preprocessing.rows() * preprocessing.columns() * preprocessing.channels();
    int n = batch.length / size;
    try (OnnxTensor t =
            OnnxTensor.createTensor(
                env,
                FloatBuffer.wrap(batch),
                new long[] {
                  n, preprocessing.channels(), preprocessing.rows(), preprocessing.columns()
                });
        OrtSession.Result r = session.run(Map.of(descriptor.input(), t))) {
      float[][] out = (float[][]) r.get(descriptor.output()).orElseThrow().getValue();
      float[] p = new float[n];
      for (int i = 0; i < n; i++) {
        p[i] = out[i][0];
      }
      return p;
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed on " + descriptor.id(), e);
    }
  }

  @Override
  public void close() throws OrtException {
    session.close();
  }

  private static void require(Path file, String field, String value) {
    if (value == null || value.isBlank()) {
      throw new DefinitionException(file, field, "is required");
    }
  }
}
