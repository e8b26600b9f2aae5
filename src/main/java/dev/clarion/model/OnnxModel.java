package dev.clarion.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * A loaded, sha256-verified ONNX model. {@link #predict} is thread-safe: ONNX Runtime sessions may
 * be run concurrently.
 */
public final class OnnxModel implements AutoCloseable {

  private final ModelDescriptor descriptor;
  private final String sha256;
  private final OrtEnvironment env;
  private final OrtSession session;

  OnnxModel(ModelDescriptor descriptor, String sha256, OrtEnvironment env, OrtSession session) {
    this.descriptor = descriptor;
    this.sha256 = sha256;
    this.env = env;
    this.session = session;
  }

  public ModelDescriptor descriptor() {
    return descriptor;
  }

  /** Hex sha256 of the loaded artifact (equal to the pinned one, or the model would not load). */
  public String sha256() {
    return sha256;
  }

  public int width() {
    return descriptor.features().size();
  }

  /**
   * Scores a batch in one ONNX Runtime call.
   *
   * @param rows row-major features, {@code rows.length == n * width()}
   * @return one output per row
   */
  public double[] predict(float[] rows) {
    int width = width();
    if (rows.length % width != 0) {
      throw new IllegalArgumentException("batch is not a multiple of " + width + " features");
    }
    long n = rows.length / width;
    try (OnnxTensor input =
            OnnxTensor.createTensor(env, FloatBuffer.wrap(rows), new long[] {n, width});
        OrtSession.Result result = session.run(Map.of(descriptor.input(), input))) {
      float[][] out = (float[][]) result.get(0).getValue();
      double[] scores = new double[out.length];
      for (int i = 0; i < out.length; i++) {
        scores[i] = out[i][0];
      }
      return scores;
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed on model " + descriptor.id(), e);
    }
  }

  @Override
  public void close() throws OrtException {
    session.close();
  }
}
