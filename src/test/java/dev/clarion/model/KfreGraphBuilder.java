package dev.clarion.model;

import static dev.clarion.model.OnnxGraphs.column;

import dev.clarion.model.KidneyFailureRiskEquation.Baseline;
import dev.clarion.model.KidneyFailureRiskEquation.Input;
import dev.clarion.model.OnnxGraphs.MathOps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXInitializer;
import org.tribuo.util.onnx.ONNXNode;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;
import org.tribuo.util.onnx.ONNXRef;

/**
 * Compiles the 4-variable Kidney Failure Risk Equation ({@link KidneyFailureRiskEquation}, 5-year,
 * North America) into an ONNX graph: {@code features} float[N,4] (age, female, eGFR, UACR mg/g) →
 * double → the centred linear predictor → {@code 1 − S0^exp(·)} → {@code risk} float[N,1].
 *
 * <p>Run {@code ./mvnw -q test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.clarion.model.KfreGraphBuilder} to rewrite {@code models/kfre/kfre.onnx};
 * with {@code -Dexec.args="models/kfre/candidates/1.2.0/kfre.onnx elsewhere"} it writes the
 * candidate with the non-North American baseline survival of Tangri 2016 (0.9365 at 5 years, 0.9832
 * at 2). Deterministic byte for byte (checked by a test).
 */
public final class KfreGraphBuilder {

  public static final String MODEL_VERSION = "1.1.0";

  /** The candidate version: the same equation with the non-North American calibration. */
  public static final String ELSEWHERE_VERSION = "1.2.0";

  static final Baseline BASELINE = Baseline.NORTH_AMERICA_5Y;

  /** Where the baseline survival was estimated (Tangri 2016): 5-year and 2-year. */
  public enum Region {
    NORTH_AMERICA(
        Baseline.NORTH_AMERICA_5Y, Baseline.NORTH_AMERICA_2Y, MODEL_VERSION, "North America"),
    ELSEWHERE(
        Baseline.ELSEWHERE_5Y, Baseline.ELSEWHERE_2Y, ELSEWHERE_VERSION, "outside North America");

    final Baseline fiveYear;
    final Baseline twoYear;
    final String version;
    final String words;

    Region(Baseline fiveYear, Baseline twoYear, String version, String words) {
      this.fiveYear = fiveYear;
      this.twoYear = twoYear;
      this.version = version;
      this.words = words;
    }
  }

  private KfreGraphBuilder() {}

  public static byte[] build() {
    return build(Region.NORTH_AMERICA);
  }

  public static byte[] build(Region region) {
    ONNXContext ctx = new ONNXContext();
    ctx.setName("kfre4_5y");
    ONNXPlaceholder features = ctx.floatInput("features", KidneyFailureRiskEquation.INPUTS);
    ONNXPlaceholder output = ctx.floatOutput("risk", 1);
    ONNXPlaceholder output2y = ctx.floatOutput("risk2y", 1);
    ONNXNode x = features.cast(double.class);
    ONNXNode age = column(ctx, x, Input.AGE.ordinal());
    ONNXNode female = column(ctx, x, Input.FEMALE.ordinal());
    ONNXNode egfr = column(ctx, x, Input.EGFR.ordinal());
    ONNXNode uacr = column(ctx, x, Input.UACR.ordinal());

    // Same arithmetic, same order as KidneyFailureRiskEquation.linearPredictor.
    ONNXNode ageTerm =
        term(ctx, "age", age.apply(ONNXOperators.DIV, c(ctx, "ten", 10)), 7.036, -0.2201);
    ONNXNode male = c(ctx, "one", 1).apply(ONNXOperators.SUB, female);
    ONNXNode maleTerm = term(ctx, "male", male, 0.5642, 0.2467);
    ONNXNode egfrTerm =
        term(ctx, "egfr", egfr.apply(ONNXOperators.DIV, c(ctx, "five", 5)), 7.222, -0.5567);
    ONNXNode uacrTerm = term(ctx, "uacr", uacr.apply(MathOps.LOG), 5.137, 0.4510);
    ONNXNode lp =
        ageTerm
            .apply(ONNXOperators.ADD, maleTerm)
            .apply(ONNXOperators.ADD, egfrTerm)
            .apply(ONNXOperators.ADD, uacrTerm);
    ONNXNode risk =
        c(ctx, "one_risk", 1)
            .apply(
                ONNXOperators.SUB,
                c(ctx, "s0", region.fiveYear.survival())
                    .apply(ONNXOperators.POW, lp.apply(MathOps.EXP)))
            .cast(float.class);
    risk.assignTo(output);
    // The 2-year risk: the same linear predictor with the 2-year baseline survival.
    c(ctx, "one_risk2y", 1)
        .apply(
            ONNXOperators.SUB,
            c(ctx, "s0_2y", region.twoYear.survival())
                .apply(ONNXOperators.POW, lp.apply(MathOps.EXP)))
        .cast(float.class)
        .assignTo(output2y);
    return OnnxGraphs.model(
        ctx,
        region.version,
        "Kidney Failure Risk Equation, 4 variables, "
            + region.words
            + " (Tangri 2011, 2016). Input"
            + " features[N,4]: age, female, eGFR mL/min/1.73m2, UACR mg/g. Outputs risk[N,1] (5-year)"
            + " and risk2y[N,1] (2-year) as fractions.");
  }

  /** {@code beta · (x − centre)}. */
  private static ONNXNode term(
      ONNXContext ctx, String name, ONNXRef<?> x, double centre, double beta) {
    return c(ctx, name + "_beta", beta)
        .apply(ONNXOperators.MUL, x.apply(ONNXOperators.SUB, c(ctx, name + "_centre", centre)));
  }

  private static ONNXInitializer c(ONNXContext ctx, String name, double value) {
    return ctx.array("c_" + name, new double[] {value}, false);
  }

  public static void main(String[] args) throws IOException {
    Path target = Path.of(args.length > 0 ? args[0] : "models/kfre/kfre.onnx");
    Region region =
        args.length > 1 && args[1].equals("elsewhere") ? Region.ELSEWHERE : Region.NORTH_AMERICA;
    Files.createDirectories(target.toAbsolutePath().getParent());
    Files.write(target, build(region));
    System.out.println("wrote " + target + " (" + Files.size(target) + " bytes)");
  }
}
