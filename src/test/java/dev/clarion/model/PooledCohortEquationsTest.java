package dev.clarion.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PooledCohortEquationsTest {

  /**
   * clinical-models.md §1: age 55, TC 213, HDL 50, untreated SBP 140, non-smoker, no diabetes;
   * values from an independent implementation, ±0.1 percentage point.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "white women, 1, 0, 2.76",
    "African-American women, 1, 1, 5.08",
    "white men, 0, 0, 7.01",
    "African-American men, 0, 1, 7.95"
  })
  void reproducesPublishedReferenceValues(
      String group, int female, int black, double expectedPercent) {
    double risk =
        PooledCohortEquations.risk(new double[] {55, 213, 50, 140, 0, 0, 0, female, black});
    assertEquals(expectedPercent, risk * 100, 0.1, group);
  }
}
