package dev.clarion.model;

/**
 * Plain-Java reference of the 4-variable Kidney Failure Risk Equation (Tangri et al., JAMA
 * 2011;305:1553; recalibrated, JAMA 2016;315:164): {@code risk = 1 − S0^exp(−0.2201·(age/10 −
 * 7.036) + 0.2467·(male − 0.5642) − 0.5567·(eGFR/5 − 7.222) + 0.4510·(ln UACR − 5.137))}, UACR in
 * mg/g. The ONNX graph in {@code models/kfre/} ({@link KfreGraphBuilder}) serves the 5-year North
 * American equation; tests hold it to this reference.
 */
public final class KidneyFailureRiskEquation {

  /** Inputs of the served model, in column order. */
  public enum Input {
    AGE,
    FEMALE,
    EGFR,
    UACR
  }

  public static final int INPUTS = Input.values().length;

  /** Baseline survival S0 by horizon and region (Tangri 2016). */
  public enum Baseline {
    NORTH_AMERICA_2Y(0.9750),
    NORTH_AMERICA_5Y(0.9240),
    ELSEWHERE_2Y(0.9832),
    ELSEWHERE_5Y(0.9365);

    private final double survival;

    Baseline(double survival) {
      this.survival = survival;
    }

    public double survival() {
      return survival;
    }
  }

  static final double AGE = -0.2201;
  static final double MALE = 0.2467;
  static final double EGFR = -0.5567;
  static final double UACR = 0.4510;

  private KidneyFailureRiskEquation() {}

  /** The linear predictor (centred). */
  public static double linearPredictor(double age, boolean female, double egfr, double uacrMgG) {
    return AGE * (age / 10 - 7.036)
        + MALE * ((female ? 0 : 1) - 0.5642)
        + EGFR * (egfr / 5 - 7.222)
        + UACR * (Math.log(uacrMgG) - 5.137);
  }

  /** Risk of kidney failure (dialysis or transplant) over the baseline's horizon, as a fraction. */
  public static double risk(
      Baseline baseline, double age, boolean female, double egfr, double uacrMgG) {
    return 1 - Math.pow(baseline.survival, Math.exp(linearPredictor(age, female, egfr, uacrMgG)));
  }

  /** The served model: 5-year, North America; {@code x} in {@link Input} order. */
  public static double risk5y(double[] x) {
    return risk(
        Baseline.NORTH_AMERICA_5Y,
        x[Input.AGE.ordinal()],
        x[Input.FEMALE.ordinal()] >= 0.5,
        x[Input.EGFR.ordinal()],
        x[Input.UACR.ordinal()]);
  }
}
