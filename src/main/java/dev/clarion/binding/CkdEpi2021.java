package dev.clarion.binding;

/**
 * CKD-EPI 2021 creatinine equation without a race term (Inker et al., NEJM 2021;385:1737): {@code
 * eGFR = 142 · min(Scr/κ, 1)^α · max(Scr/κ, 1)^−1.200 · 0.9938^age · 1.012 [female]}, κ 0.7
 * (female) / 0.9 (male), α −0.241 (female) / −0.302 (male), Scr in mg/dL, eGFR in mL/min/1.73 m².
 * Used by the binding to derive eGFR from a serum creatinine result.
 */
public final class CkdEpi2021 {

  private CkdEpi2021() {}

  /**
   * @param creatinineMgDl serum creatinine (mg/dL), > 0
   * @param ageYears age in years at the measurement
   * @param female true for the female equation
   */
  public static double egfr(double creatinineMgDl, double ageYears, boolean female) {
    if (!(creatinineMgDl > 0)) {
      throw new IllegalArgumentException("creatinine must be positive");
    }
    double kappa = female ? 0.7 : 0.9;
    double alpha = female ? -0.241 : -0.302;
    double ratio = creatinineMgDl / kappa;
    return 142
        * Math.pow(Math.min(ratio, 1), alpha)
        * Math.pow(Math.max(ratio, 1), -1.200)
        * Math.pow(0.9938, ageYears)
        * (female ? 1.012 : 1);
  }
}
