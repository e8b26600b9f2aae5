package dev.clarion.model;

import static dev.clarion.model.OnnxGraphs.column;
import static dev.clarion.model.OnnxGraphs.reshaped;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXNode;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;

/**
 * Compiles a point score declared in a {@code model.json} (each feature's {@code points} table)
 * into an ONNX graph, so point scores are served, recorded and replayed like every other model. For
 * item i with rows (upTo₀, p₀) … (—, pₖ): {@code points_i = p₀ + Σ_j (p_{j+1} − p_j)·[x_i >
 * upTo_j]} (Greater, Cast, Gemm). Outputs {@code score} float[N,1] (the total) and {@code points}
 * float[N,d] (each item's points, the explanation).
 *
 * <p>Run it with the test classpath as models/README.md shows ({@code java -cp …
 * PointScoreGraphBuilder models/news2}; not {@code exec:java -Dexec.args}, which the build's own
 * exec steps would also receive) to rewrite a model's ONNX file from its model.json (then update
 * the sha256 there); deterministic byte for byte (checked by a test).
 */
public final class PointScoreGraphBuilder {

  private PointScoreGraphBuilder() {}

  public static byte[] build(ModelDescriptor d) {
    ONNXContext ctx = new ONNXContext();
    ctx.setName(d.id().replace('-', '_'));
    int width = d.features().size();
    ONNXPlaceholder features = ctx.floatInput(d.input(), width);
    ONNXPlaceholder scoreOut = ctx.floatOutput(d.output(), 1);
    ONNXPlaceholder itemsOut = ctx.floatOutput(d.itemPoints(), width);
    ONNXNode x = features.cast(double.class);
    List<ONNXNode> items = new ArrayList<>();
    for (int i = 0; i < width; i++) {
      ModelDescriptor.Feature f = d.features().get(i);
      List<ModelDescriptor.Points> table = ModelLoader.pointTable(d, f);
      int k = table.size() - 1;
      double[] upTo = new double[k];
      double[] steps = new double[k];
      for (int j = 0; j < k; j++) {
        upTo[j] = table.get(j).upTo();
        steps[j] = table.get(j + 1).points() - table.get(j).points();
      }
      String name = "item" + i;
      ONNXNode above =
          column(ctx, x, i)
              .apply(ONNXOperators.GREATER, reshaped(ctx, name + "_upto", upTo, 1, k))
              .cast(double.class);
      ONNXNode points =
          above.apply(
              ONNXOperators.GEMM,
              List.of(
                  reshaped(ctx, name + "_steps", steps, k, 1),
                  reshaped(ctx, name + "_base", new double[] {table.get(0).points()}, 1, 1)));
      items.add(points);
    }
    ONNXNode itemMatrix = ctx.operation(ONNXOperators.CONCAT, items, "items", Map.of("axis", 1));
    double[] ones = new double[width];
    java.util.Arrays.fill(ones, 1);
    ONNXNode total = itemMatrix.apply(ONNXOperators.GEMM, reshaped(ctx, "ones", ones, width, 1));
    total.cast(float.class).assignTo(scoreOut);
    itemMatrix.cast(float.class).assignTo(itemsOut);
    return OnnxGraphs.model(
        ctx,
        d.version(),
        d.name()
            + ". Input "
            + d.input()
            + "[N,"
            + width
            + "]: "
            + String.join(", ", d.features().stream().map(ModelDescriptor.Feature::name).toList())
            + ". Outputs "
            + d.output()
            + "[N,1] (total points) and "
            + d.itemPoints()
            + "[N,"
            + width
            + "] (each item's points).");
  }

  /** Reference implementation of the same table in Java (used by the registry's self-check). */
  public static int points(ModelDescriptor.Feature f, double value) {
    for (ModelDescriptor.Points row : f.points()) {
      if (row.upTo() == null || value <= row.upTo()) {
        return row.points();
      }
    }
    throw new IllegalStateException("unreachable: the last row has no upTo");
  }

  public static void main(String[] args) throws IOException {
    Path folder = Path.of(args.length > 0 ? args[0] : "models/news2");
    ModelDescriptor d =
        new ObjectMapper().readValue(folder.resolve("model.json").toFile(), ModelDescriptor.class);
    Path target = folder.resolve(d.artifact());
    Files.write(target, build(d));
    System.out.println(
        "wrote "
            + target
            + " ("
            + Files.size(target)
            + " bytes, sha256 "
            + ModelLoader.sha256(Files.readAllBytes(target))
            + ")");
  }
}
