package dev.clarion.recommend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clarion.recommend.Recommender.Recommendation;
import dev.clarion.recommend.Recommender.Status;
import dev.clarion.risk.Assessment;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The shipped recommendation rules, at and around every threshold, each test named after the source
 * of the threshold it checks. The rules are those of {@code models/<model>/ recommendations.json},
 * loaded and checked as the server loads them.
 */
class GuidelineRulesTest {

  /** The rule that fired for a topic (null: none), in a non-production run. */
  static Recommendation topic(String model, Assessment a, String topic) {
    return Recommender.evaluate(Patients.rules(model), a, false).stream()
        .filter(r -> r.topic().equals(topic))
        .findFirst()
        .orElse(null);
  }

  static String rule(String model, Assessment a, String topic) {
    Recommendation r = topic(model, a, topic);
    return r == null || r.rule() == null ? null : r.rule().id();
  }

  static List<String> offered(String model, Assessment a, String topic) {
    return topic(model, a, topic).offered().stream().map(Recommender.Suggested::key).toList();
  }

  /**
   * PREVENT-ASCVD 10-year risk (the prevent-cvd model's ascvd10) for an otherwise eligible adult.
   */
  static Assessment prevent(double ascvd10) {
    return eligible(Patients.scored(0.05).also("ascvd10", ascvd10)).build();
  }

  static Patients.Builder eligible(Patients.Builder b) {
    return b.with("age", 55)
        .with("diabetes", 0)
        .with("ldl", 130)
        .with("statinIntensity", 0)
        .with("bpTreated", 0)
        .with("systolicBp", 118)
        .with("egfr", 90)
        .with("hdl", 50)
        .with("smoker", 0);
  }

  @Nested
  class AccAha2026DyslipidemiaPreventAscvdCategories {

    @Test
    void low_below3Percent_lifestyle_noStatin() {
      assertEquals("dyslipidemia-2026-low", rule("prevent-cvd", prevent(0.0299), "lipid-lowering"));
      assertTrue(offered("prevent-cvd", prevent(0), "lipid-lowering").isEmpty());
    }

    @Test
    void borderline_3To5Percent_riskDiscussion_noOrderSuggested() {
      assertEquals(
          "dyslipidemia-2026-borderline", rule("prevent-cvd", prevent(0.03), "lipid-lowering"));
      assertEquals(
          "dyslipidemia-2026-borderline", rule("prevent-cvd", prevent(0.0499), "lipid-lowering"));
      assertTrue(offered("prevent-cvd", prevent(0.04), "lipid-lowering").isEmpty());
    }

    @Test
    void intermediate_5To10Percent_atLeastModerateIntensityStatin() {
      assertEquals(
          "dyslipidemia-2026-intermediate", rule("prevent-cvd", prevent(0.05), "lipid-lowering"));
      assertEquals(
          "dyslipidemia-2026-intermediate", rule("prevent-cvd", prevent(0.0999), "lipid-lowering"));
      assertEquals(
          List.of("statin-moderate"), offered("prevent-cvd", prevent(0.07), "lipid-lowering"));
    }

    @Test
    void high_10PercentOrMore_highIntensityStatin() {
      assertEquals("dyslipidemia-2026-high", rule("prevent-cvd", prevent(0.10), "lipid-lowering"));
      assertEquals(List.of("statin-high"), offered("prevent-cvd", prevent(0.31), "lipid-lowering"));
    }

    @Test
    void theLadderReadsPreventAscvdNotTotalCvd() {
      // Total CVD 30 % (the model's main output) but ASCVD 4 %: borderline, not high.
      Assessment a = eligible(Patients.scored(0.30).also("ascvd10", 0.04)).build();
      assertEquals("dyslipidemia-2026-borderline", rule("prevent-cvd", a, "lipid-lowering"));
    }

    @Test
    void population_age40To75_ldl70To189_noDiabetes_elseNoneAndWhy() {
      for (double age : new double[] {40, 75}) {
        Assessment in =
            eligible(Patients.scored(0.05).also("ascvd10", 0.12)).with("age", age).build();
        assertEquals(
            "dyslipidemia-2026-high", rule("prevent-cvd", in, "lipid-lowering"), "age " + age);
      }
      for (double age : new double[] {39, 76}) {
        Assessment out =
            eligible(Patients.scored(0.05).also("ascvd10", 0.12)).with("age", age).build();
        Recommendation r = topic("prevent-cvd", out, "lipid-lowering");
        assertEquals(Status.NONE, r.status(), "age " + age);
        assertTrue(r.text().contains("40-75"), r.text());
      }
      Assessment ldl69 =
          eligible(Patients.scored(0.05).also("ascvd10", 0.12)).with("ldl", 69.9).build();
      assertEquals(Status.NONE, topic("prevent-cvd", ldl69, "lipid-lowering").status());
      Assessment ldl70 =
          eligible(Patients.scored(0.05).also("ascvd10", 0.12)).with("ldl", 70).build();
      assertEquals("dyslipidemia-2026-high", rule("prevent-cvd", ldl70, "lipid-lowering"));
      Assessment ldl189 =
          eligible(Patients.scored(0.05).also("ascvd10", 0.01)).with("ldl", 189.9).build();
      assertEquals("dyslipidemia-2026-low", rule("prevent-cvd", ldl189, "lipid-lowering"));
    }

    @Test
    void severeHypercholesterolemia_ldl190OrMore_highIntensityWithoutRiskEstimate() {
      Assessment a = eligible(Patients.scored(0.01).also("ascvd10", 0.01)).with("ldl", 190).build();
      assertEquals("dyslipidemia-2026-ldl-190", rule("prevent-cvd", a, "lipid-lowering"));
      assertEquals(List.of("statin-high"), offered("prevent-cvd", a, "lipid-lowering"));
      // Outside 40-75 too: the rule does not depend on age or risk.
      Assessment young =
          eligible(Patients.scored(0.01).also("ascvd10", 0.01))
              .with("ldl", 220)
              .with("age", 32)
              .build();
      assertEquals("dyslipidemia-2026-ldl-190", rule("prevent-cvd", young, "lipid-lowering"));
    }

    @Test
    void diabetes_age40To75_ldl70OrMore_moderateIntensityWhateverTheRisk() {
      Assessment a =
          eligible(Patients.scored(0.01).also("ascvd10", 0.01))
              .with("diabetes", 1)
              .with("ldl", 70)
              .build();
      assertEquals("dyslipidemia-2026-diabetes", rule("prevent-cvd", a, "lipid-lowering"));
      assertEquals(List.of("statin-moderate"), offered("prevent-cvd", a, "lipid-lowering"));
      Assessment low =
          eligible(Patients.scored(0.01).also("ascvd10", 0.01))
              .with("diabetes", 1)
              .with("ldl", 69)
              .build();
      assertEquals(Status.NONE, topic("prevent-cvd", low, "lipid-lowering").status());
    }

    @Test
    void missingOrStaleLdl_orderAnLdl() {
      Assessment missing =
          eligible(Patients.scored(0.05).also("ascvd10", 0.12)).missing("ldl").build();
      assertEquals("dyslipidemia-2026-ldl-missing", rule("prevent-cvd", missing, "lipid-lowering"));
      assertEquals(List.of("ldl-test"), offered("prevent-cvd", missing, "lipid-lowering"));
      Assessment stale =
          eligible(Patients.scored(0.05).also("ascvd10", 0.12)).stale("ldl", 120).build();
      assertEquals("dyslipidemia-2026-ldl-stale", rule("prevent-cvd", stale, "lipid-lowering"));
    }

    @Test
    void alreadyOnAStatinOfThatIntensity_noStatinSuggestion() {
      Assessment onHigh =
          eligible(Patients.scored(0.05).also("ascvd10", 0.12)).with("statinIntensity", 3).build();
      Recommendation r = topic("prevent-cvd", onHigh, "lipid-lowering");
      assertEquals("dyslipidemia-2026-high", r.rule().id());
      assertTrue(r.offered().isEmpty());
      assertEquals("already on a high-intensity statin.", r.suggested().get(0).skipped());
      // On a moderate-intensity statin, the high-intensity one is still proposed.
      Assessment onModerate =
          eligible(Patients.scored(0.05).also("ascvd10", 0.12)).with("statinIntensity", 2).build();
      assertEquals(List.of("statin-high"), offered("prevent-cvd", onModerate, "lipid-lowering"));
      Assessment moderateOnModerate =
          eligible(Patients.scored(0.05).also("ascvd10", 0.06)).with("statinIntensity", 2).build();
      assertTrue(offered("prevent-cvd", moderateOnModerate, "lipid-lowering").isEmpty());
    }
  }

  @Nested
  class AhaAcc2025HighBloodPressure {

    static Assessment bp(double cvd10, double sbp, boolean treated) {
      return eligible(Patients.scored(cvd10).also("ascvd10", 0.02))
          .with("systolicBp", sbp)
          .with("bpTreated", treated ? 1 : 0)
          .build();
    }

    @Test
    void takeHome6_stage1WithPreventCvd7point5PercentOrMore_medication() {
      assertEquals(
          "hbp-2025-stage1-risk", rule("prevent-cvd", bp(0.075, 130, false), "blood-pressure"));
      assertEquals(
          "hbp-2025-stage1-risk", rule("prevent-cvd", bp(0.2, 139.9, false), "blood-pressure"));
    }

    @Test
    void takeHome7_stage1BelowPreventCvd7point5Percent_lifestyleFirst() {
      assertEquals(
          "hbp-2025-stage1-lower-risk",
          rule("prevent-cvd", bp(0.0749, 130, false), "blood-pressure"));
    }

    @Test
    void takeHome6_stage1WithDiabetesOrCkd_medicationWhateverTheRisk() {
      Assessment diabetes =
          eligible(Patients.scored(0.02).also("ascvd10", 0.01))
              .with("systolicBp", 135)
              .with("diabetes", 1)
              .build();
      assertEquals("hbp-2025-stage1-diabetes", rule("prevent-cvd", diabetes, "blood-pressure"));
      Assessment ckd =
          eligible(Patients.scored(0.02).also("ascvd10", 0.01))
              .with("systolicBp", 135)
              .with("egfr", 59.9)
              .build();
      assertEquals("hbp-2025-stage1-ckd", rule("prevent-cvd", ckd, "blood-pressure"));
      Assessment egfr60 =
          eligible(Patients.scored(0.02).also("ascvd10", 0.01))
              .with("systolicBp", 135)
              .with("egfr", 60)
              .build();
      assertEquals("hbp-2025-stage1-lower-risk", rule("prevent-cvd", egfr60, "blood-pressure"));
    }

    @Test
    void takeHome6_stage2_140OrMore_medication_andBelow130_none() {
      assertEquals("hbp-2025-stage2", rule("prevent-cvd", bp(0.01, 140, false), "blood-pressure"));
      assertEquals(
          "hbp-2025-below-130", rule("prevent-cvd", bp(0.30, 129.9, false), "blood-pressure"));
    }

    @Test
    void goalBelow130_treatedAboveGoal_intensify_treatedAtGoal_none() {
      assertEquals(
          "hbp-2025-treated-above-goal", rule("prevent-cvd", bp(0.1, 130, true), "blood-pressure"));
      assertEquals(
          Status.NONE, topic("prevent-cvd", bp(0.1, 129, true), "blood-pressure").status());
    }
  }

  /**
   * Order-select: a selected statin is compared with the intensity the ACC/AHA 2026 rule recommends
   * for the patient's 10-year PREVENT-ASCVD risk (CMS347 intensity value sets: low 1, moderate 2,
   * high 3), a selected antihypertensive with the AHA/ACC 2025 rule for the patient's BP and
   * PREVENT CVD risk — the same rules as on the patient-view card.
   */
  @Nested
  class OrderSelectComparesTheSelectionWithTheSameRule {

    static Recommender.Selection statin(double ascvd10, int intensity) {
      Assessment a =
          eligible(Patients.scored(0.05).also("ascvd10", ascvd10))
              .with("selected.statinIntensity", intensity)
              .build();
      return topic("prevent-cvd", a, "lipid-lowering").selection();
    }

    static Recommender.Selection antihypertensive(double cvd10, double sbp, boolean treated) {
      Assessment a =
          eligible(Patients.scored(cvd10).also("ascvd10", 0.02))
              .with("systolicBp", sbp)
              .with("bpTreated", treated ? 1 : 0)
              .with("selected.bpTreated", 1)
              .build();
      return topic("prevent-cvd", a, "blood-pressure").selection();
    }

    @Test
    void dyslipidemia2026_high10PercentOrMore_highIntensityMatches_moderateIsBelow() {
      assertEquals(Recommender.Verdict.MATCHES, statin(0.10, 3).verdict());
      assertEquals("high-intensity statin", statin(0.10, 3).recommended());
      assertEquals(Recommender.Verdict.BELOW, statin(0.10, 2).verdict());
      assertEquals(Recommender.Verdict.BELOW, statin(0.25, 1).verdict());
      assertEquals("moderate-intensity statin", statin(0.10, 2).levelLabel());
    }

    @Test
    void dyslipidemia2026_intermediate5To10Percent_atLeastModerate_highAlsoMatches() {
      assertEquals(Recommender.Verdict.MATCHES, statin(0.05, 2).verdict());
      assertEquals(Recommender.Verdict.MATCHES, statin(0.0999, 3).verdict());
      assertEquals(Recommender.Verdict.BELOW, statin(0.07, 1).verdict());
      assertEquals("at least moderate-intensity statin", statin(0.07, 2).recommended());
    }

    @Test
    void dyslipidemia2026_borderline3To5Percent_moderateIfRiskEnhancers_highIsAbove() {
      assertEquals(Recommender.Verdict.MATCHES, statin(0.03, 2).verdict());
      assertEquals(Recommender.Verdict.ABOVE, statin(0.0499, 3).verdict());
      assertEquals(Recommender.Verdict.BELOW, statin(0.04, 1).verdict());
    }

    @Test
    void dyslipidemia2026_lowBelow3Percent_noStatinRecommended() {
      assertEquals(Recommender.Verdict.NOT_RECOMMENDED, statin(0.0299, 3).verdict());
      assertNull(statin(0.0299, 3).recommended());
    }

    @Test
    void dyslipidemia2026_outsideThePopulation_noRule() {
      Assessment old =
          eligible(Patients.scored(0.2).also("ascvd10", 0.15))
              .with("age", 76)
              .with("selected.statinIntensity", 3)
              .build();
      assertEquals(
          Recommender.Verdict.NO_RULE,
          topic("prevent-cvd", old, "lipid-lowering").selection().verdict());
    }

    @Test
    void hbp2025_stage2AndStage1AtPreventCvd7point5Percent_medicationMatches() {
      assertEquals(Recommender.Verdict.MATCHES, antihypertensive(0.01, 140, false).verdict());
      assertEquals(Recommender.Verdict.MATCHES, antihypertensive(0.075, 130, false).verdict());
      assertEquals(Recommender.Verdict.MATCHES, antihypertensive(0.05, 130, true).verdict());
    }

    @Test
    void hbp2025_stage1Below7point5Percent_orBelow130_notRecommendedNow() {
      assertEquals(
          Recommender.Verdict.NOT_RECOMMENDED, antihypertensive(0.0749, 135, false).verdict());
      assertEquals(
          Recommender.Verdict.NOT_RECOMMENDED, antihypertensive(0.3, 129.9, false).verdict());
      assertEquals(
          Recommender.Verdict.NO_RULE, antihypertensive(0.3, 125, true).verdict(), "at goal");
    }

    @Test
    void withoutASelection_nothingIsJudged_andAProductionRunJudgesNoUnreviewedRule() {
      assertNull(topic("prevent-cvd", prevent(0.2), "lipid-lowering").selection());
      Assessment a =
          eligible(Patients.scored(0.05).also("ascvd10", 0.2))
              .with("selected.statinIntensity", 2)
              .build();
      Recommendation production =
          Recommender.evaluate(Patients.rules("prevent-cvd"), a, true).stream()
              .filter(r -> r.topic().equals("lipid-lowering"))
              .findFirst()
              .orElseThrow();
      assertEquals(Recommender.Verdict.NOT_JUDGED, production.selection().verdict());
    }
  }

  @Nested
  class Uspstf2022StatinWithPooledCohortEquations {

    static Assessment pce(double risk) {
      return eligible(Patients.scored(risk)).with("smoker", 1).build();
    }

    @Test
    void below7point5Percent_noStatinRecommended() {
      assertEquals("uspstf-2022-below-7.5", rule("ascvd-pce", pce(0.0749), "lipid-lowering"));
    }

    @Test
    void gradeC_7point5To10Percent_selectivelyOffer() {
      assertEquals("uspstf-2022-grade-c", rule("ascvd-pce", pce(0.075), "lipid-lowering"));
      assertEquals("uspstf-2022-grade-c", rule("ascvd-pce", pce(0.0999), "lipid-lowering"));
      assertEquals(
          "C", topic("ascvd-pce", pce(0.08), "lipid-lowering").rule().classOfRecommendation());
    }

    @Test
    void gradeB_10PercentOrMore_prescribe() {
      assertEquals("uspstf-2022-grade-b", rule("ascvd-pce", pce(0.10), "lipid-lowering"));
      assertEquals(List.of("statin-moderate"), offered("ascvd-pce", pce(0.15), "lipid-lowering"));
    }

    @Test
    void needsAtLeastOneRiskFactor_andAge40To75() {
      // No risk factor: LDL 130 (not > 130), HDL 50, no diabetes, untreated SBP 118, non-smoker.
      Assessment none = eligible(Patients.scored(0.12)).build();
      assertEquals(Status.NONE, topic("ascvd-pce", none, "lipid-lowering").status());
      Assessment ldl131 = eligible(Patients.scored(0.12)).with("ldl", 130.5).build();
      assertEquals("uspstf-2022-grade-b", rule("ascvd-pce", ldl131, "lipid-lowering"));
      Assessment hdl39 = eligible(Patients.scored(0.12)).with("hdl", 39).build();
      assertEquals("uspstf-2022-grade-b", rule("ascvd-pce", hdl39, "lipid-lowering"));
      Assessment old = eligible(Patients.scored(0.12)).with("smoker", 1).with("age", 76).build();
      assertEquals(Status.NONE, topic("ascvd-pce", old, "lipid-lowering").status());
    }

    @Test
    void withoutACurrentLdl_measureIt_andTreatedAboveGoal_intensify() {
      Assessment missing = eligible(Patients.scored(0.12)).with("smoker", 1).missing("ldl").build();
      assertEquals("dyslipidemia-2026-ldl-missing", rule("ascvd-pce", missing, "lipid-lowering"));
      assertEquals(List.of("ldl-test"), offered("ascvd-pce", missing, "lipid-lowering"));
      Assessment treated =
          eligible(Patients.scored(0.12)).with("bpTreated", 1).with("systolicBp", 150).build();
      assertEquals("hbp-2025-treated-above-goal", rule("ascvd-pce", treated, "blood-pressure"));
    }

    @Test
    void preventThresholdsAreNotAppliedToThisEquation() {
      // Stage 1 with a PCE risk of 30 %: the 2025 BP guideline's 7.5 % is a PREVENT threshold.
      Assessment stage1 = eligible(Patients.scored(0.30)).with("systolicBp", 135).build();
      Recommendation r = topic("ascvd-pce", stage1, "blood-pressure");
      assertEquals(Status.NONE, r.status());
      assertTrue(r.text().contains("PREVENT"), r.text());
      Assessment stage2 = eligible(Patients.scored(0.05)).with("systolicBp", 140).build();
      assertEquals("hbp-2025-stage2", rule("ascvd-pce", stage2, "blood-pressure"));
    }
  }

  @Nested
  class Kdigo2024KidneyFailureRisk {

    static Assessment kfre(double risk5y, double risk2y) {
      return Patients.scored(risk5y)
          .also("risk2y", risk2y)
          .with("egfr", 35)
          .with("uacr", 300)
          .build();
    }

    @Test
    void fiveYearRisk3To5Percent_referral_atClarionsThreshold5Percent() {
      assertEquals(
          "kdigo-2024-no-referral-on-risk", rule("kfre", kfre(0.0499, 0.01), "kidney-care"));
      assertEquals("kdigo-2024-nephrology-referral", rule("kfre", kfre(0.05, 0.01), "kidney-care"));
      assertEquals(
          List.of("nephrology-referral"), offered("kfre", kfre(0.06, 0.02), "kidney-care"));
    }

    @Test
    void twoYearRiskAbove10Percent_multidisciplinaryCare() {
      assertEquals("kdigo-2024-nephrology-referral", rule("kfre", kfre(0.2, 0.10), "kidney-care"));
      assertEquals("kdigo-2024-multidisciplinary", rule("kfre", kfre(0.2, 0.1001), "kidney-care"));
    }

    @Test
    void twoYearRiskAbove40Percent_kidneyReplacementTherapyPlanning() {
      assertEquals("kdigo-2024-multidisciplinary", rule("kfre", kfre(0.7, 0.40), "kidney-care"));
      assertEquals("kdigo-2024-krt-planning", rule("kfre", kfre(0.7, 0.4001), "kidney-care"));
      assertEquals(List.of("krt-planning"), offered("kfre", kfre(0.7, 0.5), "kidney-care"));
    }

    @Test
    void noUacr_orderOne_onTheNotCalculatedCard() {
      Assessment refused = Patients.refused().with("egfr", 45).missing("uacr").build();
      List<Recommendation> all = Recommender.evaluate(Patients.rules("kfre"), refused, false);
      assertEquals(1, all.size(), all.toString());
      assertEquals("kdigo-2024-order-uacr", all.get(0).rule().id());
      assertEquals("uacr", all.get(0).offered().get(0).key());
      // Refused for another reason (no eGFR below 60): nothing to order, and no line at all.
      Assessment other = Patients.refused().with("egfr", 75).missing("uacr").build();
      assertTrue(Recommender.evaluate(Patients.rules("kfre"), other, false).isEmpty());
    }
  }

  @Nested
  class Rcp2017News2ClinicalResponse {

    static Assessment news2(double total, double maxItem) {
      return Patients.scored(total).item("respiratoryRate", maxItem).build();
    }

    @Test
    void chart4_bands_0_1to4_5to6_7orMore() {
      assertEquals("news2-zero", rule("news2", news2(0, 0), "clinical-response"));
      assertEquals("news2-low", rule("news2", news2(1, 1), "clinical-response"));
      assertEquals("news2-low", rule("news2", news2(4, 2), "clinical-response"));
      assertEquals("news2-medium", rule("news2", news2(5, 2), "clinical-response"));
      assertEquals("news2-medium", rule("news2", news2(6, 2), "clinical-response"));
      assertEquals("news2-high", rule("news2", news2(7, 2), "clinical-response"));
      assertEquals("critical", topic("news2", news2(9, 3), "clinical-response").rule().urgency());
    }

    @Test
    void chart4_singleRedParameter_urgentWardBasedResponse_belowTheKeyThreshold() {
      assertEquals("news2-single-red", rule("news2", news2(3, 3), "clinical-response"));
      assertEquals("news2-single-red", rule("news2", news2(4, 3), "clinical-response"));
      assertEquals("news2-medium", rule("news2", news2(5, 3), "clinical-response"));
    }
  }

  @Nested
  class AccAhaAccpHrs2023AtrialFibrillation {

    static Assessment af(double score, boolean female) {
      return Patients.scored(score).with("female", female ? 1 : 0).build();
    }

    static String men(double score) {
      return rule("cha2ds2-vasc", af(score, false), "anticoagulation");
    }

    static String women(double score) {
      return rule("cha2ds2-vasc", af(score, true), "anticoagulation");
    }

    @Test
    void section6_3_1_rec1_annualRisk2PercentOrMore_score2InMen_3InWomen_anticoagulate() {
      for (int score = 2; score <= 9; score++) {
        assertEquals("af-oac-recommended-men", men(score), "men " + score);
      }
      for (int score = 3; score <= 9; score++) {
        assertEquals("af-oac-recommended-women", women(score), "women " + score);
      }
      Recommendation r = topic("cha2ds2-vasc", af(2, false), "anticoagulation");
      assertEquals("1", r.rule().classOfRecommendation());
      assertEquals("A", r.rule().levelOfEvidence());
      assertEquals("warning", r.rule().urgency());
      assertTrue(r.offered().isEmpty(), "no anticoagulant order: its choice and dose need more");
    }

    @Test
    void section6_3_1_rec3_annualRisk1To2Percent_score1InMen_2InWomen_reasonable() {
      assertEquals("af-oac-reasonable-men", men(1));
      assertEquals("af-oac-reasonable-women", women(2));
      assertEquals(
          "2a",
          topic("cha2ds2-vasc", af(2, true), "anticoagulation").rule().classOfRecommendation());
    }

    @Test
    void section6_3_1_rec5_noRiskFactor_score0InMen_1InWomen_aspirinOfNoBenefit() {
      assertEquals("af-no-risk-factors-men", men(0));
      assertEquals("af-no-risk-factors-women", women(1));
      assertEquals(
          "3: No Benefit",
          topic("cha2ds2-vasc", af(0, false), "anticoagulation").rule().classOfRecommendation());
    }

    @Test
    void aRefusedScoreHasNoAnticoagulationRecommendation() {
      assertTrue(
          Recommender.evaluate(Patients.rules("cha2ds2-vasc"), Patients.refused().build(), false)
              .isEmpty());
    }
  }

  @Nested
  class LaceSitePolicy {

    @Test
    void defaultThreshold10_followUpIn7Days_andTransitionalCare_saidToBeASitePolicy() {
      assertEquals(
          "lace-site-below-10", rule("lace", Patients.scored(9).build(), "transitional-care"));
      Recommendation r = topic("lace", Patients.scored(10).build(), "transitional-care");
      assertEquals("lace-site-10-or-more", r.rule().id());
      assertEquals(
          List.of("follow-up-7-days", "transitional-care-referral"),
          r.offered().stream().map(Recommender.Suggested::key).toList());
      assertTrue(r.guideline().sitePolicy());
    }
  }

  @Test
  void aProductionRunWithholdsRulesWithoutAClinicalReview() {
    List<Recommendation> all =
        Recommender.evaluate(Patients.rules("prevent-cvd"), prevent(0.2), true);
    for (Recommendation r : all) {
      assertEquals(Status.WITHHELD, r.status(), r.topic());
      assertTrue(r.offered().isEmpty());
      assertTrue(r.text().contains("no clinical review"), r.text());
    }
    assertNull(Recommender.urgency(all), "a withheld rule sets no indicator");
  }
}
