package dev.clarion.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Set;

/**
 * A loaded, sha256-verified ONNX model. {@link #predict} is thread-safe: ONNX Runtime sessions may
 * be run concurrently.
 */
public final class OnnxModel implements AutoCloseable {

  private final ModelDescriptor descriptor;
  private final String sha256;
  private final OrtEnvironment env;
  private final OrtSession session;
  private final TreeEnsemble trees;

  OnnxModel(
      ModelDescriptor descriptor,
      String sha256,
      OrtEnvironment env,
      OrtSession session,
      TreeEnsemble trees) {
    this.descriptor = descriptor;
    this.sha256 = sha256;
    this.env = env;
    this.session = session;
    this.trees = trees;
  }

  /** For tree models explained with TreeSHAP: the trees, read from the artifact; else null. */
  public TreeEnsemble trees() {
    return trees;
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
    return run(rows, Set.of(descriptor.output()), r -> column(r, descriptor.output()));
  }

  /** The {@code alsoReports} outputs for one row, in their order (one ONNX Runtime call). */
  public double[] alsoReports(float[] row) {
    var also = descriptor.alsoReports();
    if (also == null || also.isEmpty()) {
      return new double[0];
    }
    Set<String> names = new java.util.LinkedHashSet<>();
    also.forEach(a -> names.add(a.output()));
    return run(
        row,
        names,
        r -> {
          double[] values = new double[also.size()];
          for (int i = 0; i < values.length; i++) {
            values[i] = column(r, also.get(i).output())[0];
          }
          return values;
        });
  }

  /**
   * The totals and each item's points of a point score, in one call.
   *
   * @param totals the output per row
   * @param items the item-points output per row, {@code items[row][feature]}
   */
  public record Scores(double[] totals, float[][] items) {}

  /** Scores a batch of a point score, with the items' points ({@code itemPoints} output). */
  public Scores predictWithItems(float[] rows) {
    if (descriptor.itemPoints() == null) {
      throw new IllegalStateException("model " + descriptor.id() + " has no item-points output");
    }
    return run(
        rows,
        Set.of(descriptor.output(), descriptor.itemPoints()),
        r ->
            new Scores(
                column(r, descriptor.output()),
                (float[][]) r.get(descriptor.itemPoints()).orElseThrow().getValue()));
  }

  /** What one ONNX Runtime run hands back. */
  private interface Reader<T> {
    T read(OrtSession.Result result) throws OrtException;
  }

  /** One ONNX Runtime run over a row-major batch, computing only {@code outputs}. */
  private <T> T run(float[] rows, Set<String> outputs, Reader<T> reader) {
    int width = width();
    if (rows.length % width != 0) {
      throw new IllegalArgumentException("batch is not a multiple of " + width + " features");
    }
    try (OnnxTensor input =
            OnnxTensor.createTensor(
                env, FloatBuffer.wrap(rows), new long[] {rows.length / width, width});
        OrtSession.Result result = session.run(Map.of(descriptor.input(), input), outputs)) {
      return reader.read(result);
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed on model " + descriptor.id(), e);
    }
  }

  private static double[] column(OrtSession.Result result, String name) throws OrtException {
    float[][] out = (float[][]) result.get(name).orElseThrow().getValue();
    double[] scores = new double[out.length];
    for (int i = 0; i < out.length; i++) {
      scores[i] = out[i][0];
    }
    return scores;
  }

  @Override
  public void close() throws OrtException {
    session.close();
  }
}
