package dev.clarion.model;

import static dev.clarion.model.OnnxGraphs.column;
import static dev.clarion.model.OnnxGraphs.reshaped;

import dev.clarion.model.OnnxGraphs.MathOps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXInitializer;
import org.tribuo.util.onnx.ONNXNode;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;
import org.tribuo.util.onnx.ONNXRef;

/**
 * Compiles the Pooled Cohort Equations ({@link PooledCohortEquations}) into an ONNX graph with
 * Tribuo's {@link ONNXContext}, so the published equation is served exactly like a trained model.
 *
 * <p>Graph: {@code features} float[N,9] (see {@link PooledCohortEquations.Input}) → cast to double
 * → the 13 terms → one Gemm against the 13×4 coefficient matrix of the four sex/race groups (minus
 * each group's mean) → {@code 1 − S10^exp(·)} per group → the patient's group selected by a one-hot
 * of (female, African American) → {@code risk} float[N,1]. All arithmetic is in double precision.
 *
 * <p>Run {@code ./mvnw -q test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.clarion.model.PceGraphBuilder} to rewrite {@code
 * models/ascvd-pce/ascvd-pce.onnx}; the output is byte-for-byte deterministic and a test checks
 * that the committed file equals a fresh build.
 */
public final class PceGraphBuilder {

  /** Version written into the graph's metadata; also in {@code models/ascvd-pce/model.json}. */
  public static final String MODEL_VERSION = "1.0.0";

  private PceGraphBuilder() {}

  /** Builds the serialized model. */
  public static byte[] build() {
    ONNXContext ctx = new ONNXContext();
    ctx.setName("ascvd_pce");
    ONNXPlaceholder features = ctx.floatInput("features", PooledCohortEquations.INPUTS);
    ONNXPlaceholder output = ctx.floatOutput("risk", 1);

    ONNXNode x = features.cast(double.class);
    ONNXNode lnAge = column(ctx, x, 0).apply(MathOps.LOG);
    ONNXNode lnTc = column(ctx, x, 1).apply(MathOps.LOG);
    ONNXNode lnHdl = column(ctx, x, 2).apply(MathOps.LOG);
    ONNXNode lnSbp = column(ctx, x, 3).apply(MathOps.LOG);
    ONNXNode treated = column(ctx, x, 4);
    ONNXNode smoker = column(ctx, x, 5);
    ONNXNode diabetes = column(ctx, x, 6);
    ONNXNode female = column(ctx, x, 7);
    ONNXNode black = column(ctx, x, 8);
    ONNXInitializer one = ctx.array("one", new double[] {1.0}, false);
    ONNXNode untreated = one.apply(ONNXOperators.SUB, treated);

    ONNXNode sbpTreated = lnSbp.apply(ONNXOperators.MUL, treated);
    ONNXNode sbpUntreated = lnSbp.apply(ONNXOperators.MUL, untreated);
    List<ONNXRef<?>> terms =
        List.of(
            lnAge,
            lnAge.apply(ONNXOperators.MUL, lnAge),
            lnTc,
            lnAge.apply(ONNXOperators.MUL, lnTc),
            lnHdl,
            lnAge.apply(ONNXOperators.MUL, lnHdl),
            sbpTreated,
            lnAge.apply(ONNXOperators.MUL, sbpTreated),
            sbpUntreated,
            lnAge.apply(ONNXOperators.MUL, sbpUntreated),
            smoker,
            lnAge.apply(ONNXOperators.MUL, smoker),
            diabetes);
    ONNXNode termMatrix = ctx.operation(ONNXOperators.CONCAT, terms, "terms", Map.of("axis", 1));

    PooledCohortEquations.Group[] groups = PooledCohortEquations.Group.values();
    double[] beta = new double[13 * groups.length];
    double[] negMean = new double[groups.length];
    double[] survival = new double[groups.length];
    for (int g = 0; g < groups.length; g++) {
      double[] b = groups[g].beta();
      for (int t = 0; t < b.length; t++) {
        beta[t * groups.length + g] = b[t];
      }
      negMean[g] = -groups[g].mean();
      survival[g] = groups[g].baselineSurvival();
    }
    ONNXNode betaMatrix = reshaped(ctx, "beta", beta, 13, groups.length);
    ONNXInitializer means = ctx.array("neg_mean", negMean, false);
    ONNXInitializer s10 = ctx.array("s10", survival, false);

    // Per-group linear predictor minus the group mean, then 1 − S10^exp(·): [N,4].
    ONNXNode centered = termMatrix.apply(ONNXOperators.GEMM, List.of(betaMatrix, means));
    ONNXNode groupRisk =
        one.apply(ONNXOperators.SUB, s10.apply(ONNXOperators.POW, centered.apply(MathOps.EXP)));

    // One-hot of the patient's group, in Group order: WW, AAW, WM, AAM.
    ONNXNode male = one.apply(ONNXOperators.SUB, female);
    ONNXNode white = one.apply(ONNXOperators.SUB, black);
    ONNXNode oneHot =
        ctx.operation(
            ONNXOperators.CONCAT,
            List.of(
                female.apply(ONNXOperators.MUL, white),
                female.apply(ONNXOperators.MUL, black),
                male.apply(ONNXOperators.MUL, white),
                male.apply(ONNXOperators.MUL, black)),
            "group_one_hot",
            Map.of("axis", 1));
    ONNXNode sumColumns = reshaped(ctx, "sum_columns", new double[] {1, 1, 1, 1}, 4, 1);
    ONNXNode risk =
        groupRisk
            .apply(ONNXOperators.MUL, oneHot)
            .apply(ONNXOperators.GEMM, sumColumns)
            .cast(float.class);
    risk.assignTo(output);

    return OnnxGraphs.model(
        ctx,
        MODEL_VERSION,
        "Pooled Cohort Equations, 10-year hard ASCVD risk (Goff et al. 2014, Appendix 7"
            + " Table A). Input features[N,9]: age, total cholesterol mg/dL, HDL mg/dL,"
            + " systolic BP mm Hg, BP treated, smoker, diabetes, female, African American."
            + " Output risk[N,1] as a fraction.");
  }

  public static void main(String[] args) throws IOException {
    Path target = Path.of(args.length > 0 ? args[0] : "models/ascvd-pce/ascvd-pce.onnx");
    Files.createDirectories(target.toAbsolutePath().getParent());
    Files.write(target, build());
    System.out.println("wrote " + target + " (" + Files.size(target) + " bytes)");
  }
}
