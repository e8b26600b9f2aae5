package dev.clarion.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Population stability index over baseline deciles. */
class PsiTest {

  @Test
  void sameDistributionIsStable() {
    Random random = new Random(1);
    double[] a = random.doubles(5000).toArray();
    double[] b = random.doubles(5000).toArray();
    Monitoring.Psi psi = Monitoring.psi(a, b);
    assertTrue(psi.value() < 0.02, "PSI " + psi.value());
    assertEquals("stable", psi.verdict());
  }

  @Test
  void shiftedDistributionIsAMajorShift() {
    Random random = new Random(2);
    double[] a = random.doubles(5000).toArray();
    double[] b = random.doubles(5000).map(x -> 0.5 + x / 2).toArray();
    Monitoring.Psi psi = Monitoring.psi(a, b);
    assertTrue(psi.value() > 0.25, "PSI " + psi.value());
    assertEquals("major shift", psi.verdict());
  }

  @Test
  void binaryInputsAreBinnedByValue() {
    double[] baseline = new double[100];
    double[] current = new double[100];
    for (int i = 0; i < 100; i++) {
      baseline[i] = i < 50 ? 1 : 0; // 50 % smokers
      current[i] = i < 10 ? 1 : 0; // 10 % smokers
    }
    // (0.1-0.5)ln(0.1/0.5) + (0.9-0.5)ln(0.9/0.5) = 0.6438 + 0.2351
    assertEquals(0.8789, Monitoring.psi(baseline, current).value(), 1e-3);
  }
}
