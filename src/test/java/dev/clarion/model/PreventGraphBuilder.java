package dev.clarion.model;

import static dev.clarion.model.OnnxGraphs.column;
import static dev.clarion.model.OnnxGraphs.reshaped;

import dev.clarion.model.OnnxGraphs.MathOps;
import dev.clarion.model.PreventEquations.Equation;
import dev.clarion.model.PreventEquations.Input;
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
 * Compiles the PREVENT 10-year total CVD equations ({@link PreventEquations}, base model, female
 * and male) into an ONNX graph with Tribuo's {@link ONNXContext}, so the published equation is
 * served exactly like a trained model.
 *
 * <p>Graph: {@code features} float[N,10] (see {@link Input}) → cast to double → the 21 terms that
 * do not involve BMI → one Gemm against the 21×2 coefficient matrix (female, male) → Sigmoid → the
 * patient's equation selected by (female, 1 − female) → {@code risk} float[N,1]. All arithmetic is
 * in double precision.
 *
 * <p>Run {@code ./mvnw -q test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.clarion.model.PreventGraphBuilder} to rewrite {@code
 * models/prevent-cvd/prevent-cvd.onnx}; the output is byte-for-byte deterministic and a test checks
 * that the committed file equals a fresh build.
 */
public final class PreventGraphBuilder {

  /** Version written into the graph's metadata; also in {@code models/prevent-cvd/model.json}. */
  public static final String MODEL_VERSION = "1.1.0";

  /** The BMI terms (bmiMin, bmiMax, a·bmiMax) are the last three; CVD equations weight them 0. */
  static final int TERMS = PreventEquations.TERMS - 3;

  /** Female and male equation of each served outcome, in output order. */
  static final List<Equation> EQUATIONS =
      List.of(
          Equation.F_CVD10,
          Equation.M_CVD10,
          Equation.F_ASCVD10,
          Equation.M_ASCVD10,
          Equation.F_CVD30,
          Equation.M_CVD30,
          Equation.F_ASCVD30,
          Equation.M_ASCVD30);

  /** ONNX outputs: 10-year total CVD (the main one), then the further outcomes and horizons. */
  static final List<String> OUTPUTS = List.of("risk", "ascvd10", "cvd30", "ascvd30");

  /** The heart-failure equations (they also read BMI), female and male, in output order. */
  static final List<Equation> HF_EQUATIONS =
      List.of(Equation.F_HF10, Equation.M_HF10, Equation.F_HF30, Equation.M_HF30);

  static final List<String> HF_OUTPUTS = List.of("hf10", "hf30");

  private PreventGraphBuilder() {}

  /** Builds the serialized model. */
  public static byte[] build() {
    ONNXContext ctx = new ONNXContext();
    ctx.setName("prevent_cvd10");
    ONNXPlaceholder features = ctx.floatInput("features", PreventEquations.INPUTS);
    List<ONNXPlaceholder> outputs = OUTPUTS.stream().map(o -> ctx.floatOutput(o, 1)).toList();
    List<ONNXPlaceholder> hfOutputs = HF_OUTPUTS.stream().map(o -> ctx.floatOutput(o, 1)).toList();

    ONNXNode x = features.cast(double.class);
    ONNXNode age = column(ctx, x, Input.AGE.ordinal());
    ONNXNode tc = column(ctx, x, Input.TOTAL_CHOLESTEROL.ordinal());
    ONNXNode hdlMgDl = column(ctx, x, Input.HDL.ordinal());
    ONNXNode sbp = column(ctx, x, Input.SYSTOLIC_BP.ordinal());
    ONNXNode bpTx = column(ctx, x, Input.BP_TREATED.ordinal());
    ONNXNode statin = column(ctx, x, Input.STATIN.ordinal());
    ONNXNode dm = column(ctx, x, Input.DIABETES.ordinal());
    ONNXNode smk = column(ctx, x, Input.SMOKER.ordinal());
    ONNXNode egfr = column(ctx, x, Input.EGFR.ordinal());
    ONNXNode female = column(ctx, x, Input.FEMALE.ordinal());
    ONNXNode bmi = column(ctx, x, Input.BMI.ordinal());

    // The same arithmetic, in the same order, as PreventEquations.terms.
    ONNXNode a = shift(ctx, age, "age", 55).apply(ONNXOperators.DIV, constant(ctx, "ten", 10));
    ONNXNode nonHdl =
        shift(
            ctx,
            constant(ctx, "mmol", 0.02586)
                .apply(ONNXOperators.MUL, tc.apply(ONNXOperators.SUB, hdlMgDl)),
            "non_hdl",
            3.5);
    ONNXNode hdl =
        shift(ctx, constant(ctx, "mmol_hdl", 0.02586).apply(ONNXOperators.MUL, hdlMgDl), "hdl", 1.3)
            .apply(ONNXOperators.DIV, constant(ctx, "hdl_sd", 0.3));
    ONNXNode sbpMin = spline(ctx, sbp, MathOps.MIN, "sbp_min", 110, 110, 20);
    ONNXNode sbpMax = spline(ctx, sbp, MathOps.MAX, "sbp_max", 110, 130, 20);
    ONNXNode egfrMin = spline(ctx, egfr, MathOps.MIN, "egfr_min", 60, 60, -15);
    ONNXNode egfrMax = spline(ctx, egfr, MathOps.MAX, "egfr_max", 60, 90, -15);
    ONNXNode ones =
        a.apply(ONNXOperators.MUL, constant(ctx, "zero", 0))
            .apply(ONNXOperators.ADD, constant(ctx, "one", 1));
    List<ONNXRef<?>> terms =
        List.of(
            ones,
            a,
            a.apply(ONNXOperators.MUL, a),
            nonHdl,
            hdl,
            sbpMin,
            sbpMax,
            dm,
            smk,
            egfrMin,
            egfrMax,
            bpTx,
            statin,
            bpTx.apply(ONNXOperators.MUL, sbpMax),
            statin.apply(ONNXOperators.MUL, nonHdl),
            a.apply(ONNXOperators.MUL, nonHdl),
            a.apply(ONNXOperators.MUL, hdl),
            a.apply(ONNXOperators.MUL, sbpMax),
            a.apply(ONNXOperators.MUL, dm),
            a.apply(ONNXOperators.MUL, smk),
            a.apply(ONNXOperators.MUL, egfrMin));
    ONNXNode termMatrix = ctx.operation(ONNXOperators.CONCAT, terms, "terms", Map.of("axis", 1));

    double[] beta = new double[TERMS * EQUATIONS.size()];
    for (int e = 0; e < EQUATIONS.size(); e++) {
      double[] b = EQUATIONS.get(e).beta();
      for (int t = 0; t < PreventEquations.TERMS; t++) {
        if (t < TERMS) {
          beta[t * EQUATIONS.size() + e] = b[t];
        } else if (b[t] != 0) {
          throw new IllegalStateException(EQUATIONS.get(e) + " uses BMI term " + t);
        }
      }
    }
    ONNXNode logits =
        termMatrix.apply(ONNXOperators.GEMM, reshaped(ctx, "beta", beta, TERMS, EQUATIONS.size()));
    ONNXNode equationRisk = logits.apply(ONNXOperators.SIGMOID);

    ONNXNode male = constant(ctx, "one_sex", 1).apply(ONNXOperators.SUB, female);
    ONNXNode risks = bySex(ctx, "", equationRisk, OUTPUTS.size(), female, male);
    for (int k = 0; k < OUTPUTS.size(); k++) {
      column(ctx, risks, k).assignTo(outputs.get(k));
    }

    // Heart failure: the same terms plus the BMI spline (bmiMin, bmiMax, a·bmiMax). Without a
    // BMI (NaN) only these outputs are NaN; the ones above never read the BMI column.
    ONNXNode bmiMin = spline(ctx, bmi, MathOps.MIN, "bmi_min", 30, 25, 5);
    ONNXNode bmiMax = spline(ctx, bmi, MathOps.MAX, "bmi_max", 30, 30, 5);
    List<ONNXRef<?>> hfTerms = new java.util.ArrayList<>(terms);
    hfTerms.add(bmiMin);
    hfTerms.add(bmiMax);
    hfTerms.add(a.apply(ONNXOperators.MUL, bmiMax));
    ONNXNode hfMatrix = ctx.operation(ONNXOperators.CONCAT, hfTerms, "hf_terms", Map.of("axis", 1));
    double[] hfBeta = new double[PreventEquations.TERMS * HF_EQUATIONS.size()];
    for (int e = 0; e < HF_EQUATIONS.size(); e++) {
      double[] b = HF_EQUATIONS.get(e).beta();
      for (int t = 0; t < PreventEquations.TERMS; t++) {
        hfBeta[t * HF_EQUATIONS.size() + e] = b[t];
      }
    }
    ONNXNode hfRisks =
        bySex(
            ctx,
            "hf_",
            hfMatrix
                .apply(
                    ONNXOperators.GEMM,
                    reshaped(ctx, "hf_beta", hfBeta, PreventEquations.TERMS, HF_EQUATIONS.size()))
                .apply(ONNXOperators.SIGMOID),
            HF_OUTPUTS.size(),
            female,
            male);
    for (int k = 0; k < HF_OUTPUTS.size(); k++) {
      column(ctx, hfRisks, k).assignTo(hfOutputs.get(k));
    }

    return OnnxGraphs.model(
        ctx,
        MODEL_VERSION,
        "AHA PREVENT base model (Khan et al., Circulation 2024;149:430), female and male"
            + " equations. Input features[N,10]: age, total cholesterol mg/dL, HDL mg/dL, systolic"
            + " BP mm Hg, BP treated, statin, diabetes, smoker, eGFR mL/min/1.73m2, female, BMI"
            + " kg/m2 (NaN if unknown). Outputs as fractions: risk[N,1] 10-year total CVD,"
            + " ascvd10, cvd30, ascvd30, hf10, hf30 (NaN without a BMI).");
  }

  /**
   * The patient's-sex column of each output: {@code risks} holds a female and a male column per
   * output (in that order); the one-hot sex mask keeps one of each pair and a 0/1 matrix sums it.
   */
  private static ONNXNode bySex(
      ONNXContext ctx,
      String prefix,
      ONNXNode risks,
      int outputs,
      ONNXRef<?> female,
      ONNXRef<?> male) {
    List<ONNXRef<?>> sexes = new java.util.ArrayList<>();
    for (int k = 0; k < outputs; k++) {
      sexes.add(female);
      sexes.add(male);
    }
    double[] pairs = new double[2 * outputs * outputs];
    for (int e = 0; e < 2 * outputs; e++) {
      pairs[e * outputs + e / 2] = 1;
    }
    return risks
        .apply(
            ONNXOperators.MUL,
            ctx.operation(ONNXOperators.CONCAT, sexes, prefix + "sex_one_hot", Map.of("axis", 1)))
        .apply(ONNXOperators.GEMM, reshaped(ctx, prefix + "sum_pairs", pairs, 2 * outputs, outputs))
        .cast(float.class);
  }

  private static ONNXInitializer constant(ONNXContext ctx, String name, double value) {
    return ctx.array("c_" + name, new double[] {value}, false);
  }

  /** {@code x − by}. */
  private static ONNXNode shift(ONNXContext ctx, ONNXRef<?> x, String name, double by) {
    return x.apply(ONNXOperators.SUB, constant(ctx, name + "_shift", by));
  }

  /** {@code (op(x, knot) − centre) / scale}: one piece of a linear spline. */
  private static ONNXNode spline(
      ONNXContext ctx,
      ONNXRef<?> x,
      MathOps op,
      String name,
      double knot,
      double centre,
      double scale) {
    return shift(ctx, x.apply(op, constant(ctx, name + "_knot", knot)), name, centre)
        .apply(ONNXOperators.DIV, constant(ctx, name + "_scale", scale));
  }

  public static void main(String[] args) throws IOException {
    Path target = Path.of(args.length > 0 ? args[0] : "models/prevent-cvd/prevent-cvd.onnx");
    Files.createDirectories(target.toAbsolutePath().getParent());
    Files.write(target, build());
    System.out.println("wrote " + target + " (" + Files.size(target) + " bytes)");
  }
}
