package dev.clarion.model;

/**
 * Plain-Java reference implementation of the 2013 ACC/AHA Pooled Cohort Equations for the 10-year
 * risk of a first hard ASCVD event (Goff et al., Circulation 2014;129(suppl 2):S49, Appendix 7
 * Table A). The ONNX graph in {@code models/ascvd-pce/} is generated from the same coefficient
 * table ({@link PceGraphBuilder}); tests hold both to the published reference values and to each
 * other.
 *
 * <p>Stateless and thread-safe.
 */
public final class PooledCohortEquations {

  /** Number of model inputs, in the order of {@link Input}. */
  public static final int INPUTS = 9;

  /** Column order of the model's {@code features} input. */
  public enum Input {
    AGE,
    TOTAL_CHOLESTEROL,
    HDL,
    SYSTOLIC_BP,
    BP_TREATED,
    SMOKER,
    DIABETES,
    FEMALE,
    AFRICAN_AMERICAN
  }

  /** The four published equations; other races use the white equations (Goff 2014). */
  public enum Group {
    WHITE_WOMEN(
        new double[] {
          -29.799, 4.884, 13.540, -3.114, -13.578, 3.149, 2.019, 0, 1.957, 0, 7.574, -1.665, 0.661
        },
        -29.18,
        0.9665),
    AFRICAN_AMERICAN_WOMEN(
        new double[] {
          17.114, 0, 0.940, 0, -18.920, 4.475, 29.291, -6.432, 27.820, -6.087, 0.691, 0, 0.874
        },
        86.61,
        0.9533),
    WHITE_MEN(
        new double[] {
          12.344, 0, 11.853, -2.664, -7.990, 1.769, 1.797, 0, 1.764, 0, 7.837, -1.795, 0.658
        },
        61.18,
        0.9144),
    AFRICAN_AMERICAN_MEN(
        new double[] {2.469, 0, 0.302, 0, -0.307, 0, 1.916, 0, 1.809, 0, 0.549, 0, 0.645},
        19.54,
        0.8954);

    /**
     * β for lnAge, lnAge², lnTC, lnAge·lnTC, lnHDL, lnAge·lnHDL, lnSBPtreated, lnAge·lnSBPtreated,
     * lnSBPuntreated, lnAge·lnSBPuntreated, smoker, lnAge·smoker, diabetes.
     */
    private final double[] beta;

    private final double mean;
    private final double baselineSurvival;

    Group(double[] beta, double mean, double baselineSurvival) {
      this.beta = beta;
      this.mean = mean;
      this.baselineSurvival = baselineSurvival;
    }

    public double[] beta() {
      return beta.clone();
    }

    public double mean() {
      return mean;
    }

    public double baselineSurvival() {
      return baselineSurvival;
    }

    public static Group of(boolean female, boolean africanAmerican) {
      if (female) {
        return africanAmerican ? AFRICAN_AMERICAN_WOMEN : WHITE_WOMEN;
      }
      return africanAmerican ? AFRICAN_AMERICAN_MEN : WHITE_MEN;
    }
  }

  private PooledCohortEquations() {}

  /** The 13 equation terms in the order of {@link Group#beta()}. */
  static double[] terms(
      double age,
      double tc,
      double hdl,
      double sbp,
      boolean treated,
      boolean smoker,
      boolean diabetes) {
    double lnAge = Math.log(age);
    double lnTc = Math.log(tc);
    double lnHdl = Math.log(hdl);
    double lnSbp = Math.log(sbp);
    double t = treated ? 1 : 0;
    double s = smoker ? 1 : 0;
    return new double[] {
      lnAge,
      lnAge * lnAge,
      lnTc,
      lnAge * lnTc,
      lnHdl,
      lnAge * lnHdl,
      lnSbp * t,
      lnAge * lnSbp * t,
      lnSbp * (1 - t),
      lnAge * lnSbp * (1 - t),
      s,
      lnAge * s,
      diabetes ? 1 : 0
    };
  }

  /**
   * 10-year risk as a fraction: {@code 1 − S10^exp(Σβx − mean)}. Does not check the validated
   * ranges; callers do (see {@code models/ascvd-pce/model.json}).
   */
  public static double risk(double[] features) {
    if (features.length != INPUTS) {
      throw new IllegalArgumentException("expected " + INPUTS + " features");
    }
    Group group = Group.of(features[7] >= 0.5, features[8] >= 0.5);
    double[] x =
        terms(
            features[0],
            features[1],
            features[2],
            features[3],
            features[4] >= 0.5,
            features[5] >= 0.5,
            features[6] >= 0.5);
    double sum = 0;
    for (int i = 0; i < x.length; i++) {
      sum += group.beta[i] * x[i];
    }
    return 1 - Math.pow(group.baselineSurvival, Math.exp(sum - group.mean));
  }
}
