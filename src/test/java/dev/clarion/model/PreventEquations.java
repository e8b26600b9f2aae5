package dev.clarion.model;

/**
 * Plain-Java reference implementation of the AHA PREVENT equations, base model (Khan et al.,
 * Circulation 2024;149:430): sex-specific logistic equations, no race term, for 10- and 30-year
 * total CVD, ASCVD and heart failure. The ONNX graph in {@code models/prevent-cvd/} is generated
 * from the same coefficient table ({@link PreventGraphBuilder}); tests hold both to the published
 * reference value and to each other.
 *
 * <p>Stateless and thread-safe.
 */
public final class PreventEquations {

  /**
   * Number of model inputs, in the order of {@link Input}. BMI is last and optional: only the
   * heart-failure equations read it; without it (NaN) they give NaN and the others are unaffected.
   */
  public static final int INPUTS = 11;

  /** Column order of the model's {@code features} input. */
  public enum Input {
    AGE,
    TOTAL_CHOLESTEROL,
    HDL,
    SYSTOLIC_BP,
    BP_TREATED,
    STATIN,
    DIABETES,
    SMOKER,
    EGFR,
    FEMALE,
    BMI
  }

  /** The twelve published equations (sex × outcome × horizon). */
  public enum Equation {
    F_CVD10(
        -3.307728, .7939329, 0, .0305239, -.1606857, -.2394003, .3600781, .8667604, .5360739,
        .6045917, .0433769, .3151672, -.1477655, -.0663612, .1197879, -.0819715, .0306769,
        -.0946348, -.27057, -.078715, -.1637806, 0, 0, 0),
    F_ASCVD10(
        -3.819975, .719883, 0, .1176967, -.151185, -.0835358, .3592852, .8348585, .4831078,
        .4864619, .0397779, .2265309, -.0592374, -.0395762, .0844423, -.0567839, .0325692,
        -.1035985, -.2417542, -.0791142, -.1671492, 0, 0, 0),
    F_HF10(
        -4.310409, .8998235, 0, 0, 0, -.4559771, .3576505, 1.038346, .583916, .7451638, .0557087,
        .3534442, 0, -.0981511, 0, 0, 0, -.0946663, -.3581041, -.1159453, -.1884289, -.0072294,
        .2997706, -.003878),
    F_CVD30(
        -1.318827, .5503079, -.0928369, .0409794, -.1663306, -.1628654, .3299505, .6793894,
        .3196112, .1857101, .0553528, .2894, -.075688, -.056367, .1071019, -.0751438, .0301786,
        -.0998776, -.3206166, -.1607862, -.1450788, 0, 0, 0),
    F_ASCVD30(
        -1.974074, .4669202, -.0893118, .1256901, -.1542255, -.0018093, .322949, .6296707, .268292,
        .100106, .0499663, .1875292, .0152476, -.0276123, .0736147, -.0521962, .0316918, -.1046101,
        -.2727793, -.1530907, -.1299149, 0, 0, 0),
    F_HF30(
        -2.205379, .6254374, -.0983038, 0, 0, -.3919241, .3142295, .8330787, .3438651, .2981642,
        .0667159, .333921, 0, -.0893177, 0, 0, 0, -.0974299, -.404855, -.1982991, -.1564215,
        .0594874, .2525536, -.0035619),
    M_CVD10(
        -3.031168, .7688528, 0, .0736174, -.0954431, -.4347345, .3362658, .7692857, .4386871,
        .5378979, .0164827, .288879, -.1337349, -.0475924, .150273, -.0517874, .0191169, -.1049477,
        -.2251948, -.0895067, -.1543702, 0, 0, 0),
    M_ASCVD10(
        -3.500655, .7099847, 0, .1658663, -.1144285, -.2837212, .3239977, .7189597, .3956973,
        .3690075, .0203619, .2036522, -.0865581, -.0322916, .114563, -.0300005, .0232747, -.0927024,
        -.2018525, -.0970527, -.1217081, 0, 0, 0),
    M_HF10(
        -3.946391, .8972642, 0, 0, 0, -.6811466, .3634461, .923776, .5023736, .6926917, .0251827,
        .2980922, 0, -.0497731, 0, 0, 0, -.1289201, -.3040924, -.1401688, -.1797778, -.0485841,
        .3726929, .0068126),
    M_CVD30(
        -1.148204, .4627309, -.0984281, .0836088, -.1029824, -.2140352, .2904325, .5331276,
        .2141914, .1155556, .0603775, .232714, -.0272112, -.0384488, .134192, -.0511759, .0165865,
        -.1101437, -.2585943, -.1566406, -.1166776, 0, 0, 0),
    M_ASCVD30(
        -1.736444, .3994099, -.0937484, .1744643, -.120203, -.0665117, .2753037, .4790257, .1782635,
        -.0218789, .0602553, .1421182, .0135996, -.0218265, .1013148, -.0312619, .020673, -.0920935,
        -.2159947, -.1548811, -.0712547, 0, 0, 0),
    M_HF30(
        -1.95751, .5681541, -.1048388, 0, 0, -.4761564, .30324, .6840338, .2656273, .2541805,
        .0638923, .2583631, 0, -.0391938, 0, 0, 0, -.1269124, -.3273572, -.2043019, -.1342618,
        .0833107, .26999, -.0182831);

    /**
     * β for 1, a, a², nonHDL, hdl, sbpMin, sbpMax, dm, smk, egfrMin, egfrMax, bpTx, statin,
     * bpTx·sbpMax, statin·nonHDL, a·nonHDL, a·hdl, a·sbpMax, a·dm, a·smk, a·egfrMin, bmiMin,
     * bmiMax, a·bmiMax.
     */
    private final double[] beta;

    Equation(double... beta) {
      this.beta = beta;
    }

    public double[] beta() {
      return beta.clone();
    }
  }

  /** Number of terms (including the constant). */
  public static final int TERMS = 24;

  private PreventEquations() {}

  /**
   * The 24 terms of one patient, in the order of {@link Equation#beta()}.
   *
   * @param bmi kg/m², read only by the heart-failure equations (NaN when not known)
   */
  public static double[] terms(double[] x, double bmi) {
    double a = (x[Input.AGE.ordinal()] - 55) / 10;
    double tc = x[Input.TOTAL_CHOLESTEROL.ordinal()];
    double hdlMgDl = x[Input.HDL.ordinal()];
    double sbp = x[Input.SYSTOLIC_BP.ordinal()];
    double bpTx = x[Input.BP_TREATED.ordinal()];
    double statin = x[Input.STATIN.ordinal()];
    double dm = x[Input.DIABETES.ordinal()];
    double smk = x[Input.SMOKER.ordinal()];
    double egfr = x[Input.EGFR.ordinal()];
    double nonHdl = 0.02586 * (tc - hdlMgDl) - 3.5;
    double hdl = (0.02586 * hdlMgDl - 1.3) / 0.3;
    double sbpMin = (Math.min(sbp, 110) - 110) / 20;
    double sbpMax = (Math.max(sbp, 110) - 130) / 20;
    double egfrMin = (Math.min(egfr, 60) - 60) / -15;
    double egfrMax = (Math.max(egfr, 60) - 90) / -15;
    double bmiMin = (Math.min(bmi, 30) - 25) / 5;
    double bmiMax = (Math.max(bmi, 30) - 30) / 5;
    return new double[] {
      1,
      a,
      a * a,
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
      bpTx * sbpMax,
      statin * nonHdl,
      a * nonHdl,
      a * hdl,
      a * sbpMax,
      a * dm,
      a * smk,
      a * egfrMin,
      bmiMin,
      bmiMax,
      a * bmiMax
    };
  }

  /**
   * The risk from one equation for one patient, as a fraction.
   *
   * @param x the inputs in {@link Input} order (sex is chosen by {@code equation}, not read)
   */
  public static double risk(Equation equation, double[] x) {
    return risk(equation, x, x.length > Input.BMI.ordinal() ? x[Input.BMI.ordinal()] : Double.NaN);
  }

  /** As {@link #risk(Equation, double[])}, with BMI for the heart-failure equations. */
  public static double risk(Equation equation, double[] x, double bmi) {
    double[] t = terms(x, bmi);
    double[] b = equation.beta;
    double logit = 0;
    for (int i = 0; i < TERMS; i++) {
      if (b[i] != 0) {
        logit += b[i] * t[i];
      }
    }
    if (Double.isNaN(logit)) {
      throw new IllegalArgumentException(equation + " needs BMI");
    }
    return 1 / (1 + Math.exp(-logit));
  }

  /** 10-year total CVD risk, the equation chosen by the {@code FEMALE} input. */
  public static double cvd10(double[] x) {
    return risk(x[Input.FEMALE.ordinal()] >= 0.5 ? Equation.F_CVD10 : Equation.M_CVD10, x);
  }
}
