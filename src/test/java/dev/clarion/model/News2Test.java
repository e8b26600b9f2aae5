package dev.clarion.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.explain.Explainer;
import dev.clarion.explain.PointsExplainer;
import dev.clarion.explain.ShapleyExplainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * NEWS2 as served (ONNX compiled from model.json's point table) against an independent
 * transcription of the RCP 2017 chart: the worked example, every parameter over its whole range in
 * steps finer than the chart's boundaries, the bands (including a single red score) and the
 * explanation (item points add up; exact Shapley over the same graph gives the same points).
 */
class News2Test {

  static final Path DIR = Path.of("models/news2");
  static OnnxModel model;

  @BeforeAll
  static void load() {
    model =
        ModelLoader.load(
            DIR.resolve("model.json"), new ObjectMapper(), OrtEnvironment.getEnvironment(), 1);
  }

  @AfterAll
  static void close() throws Exception {
    model.close();
  }

  // ---- The RCP NEWS2 chart 1 (SpO2 scale 1), transcribed by hand, independent of model.json.

  static int respiration(double rr) {
    if (rr <= 8) return 3;
    if (rr <= 11) return 1;
    if (rr <= 20) return 0;
    if (rr <= 24) return 2;
    return 3;
  }

  static int spo2(double s) {
    if (s <= 91) return 3;
    if (s <= 93) return 2;
    if (s <= 95) return 1;
    return 0;
  }

  static int oxygen(double flow) {
    return flow > 0 ? 2 : 0;
  }

  static int systolic(double sbp) {
    if (sbp <= 90) return 3;
    if (sbp <= 100) return 2;
    if (sbp <= 110) return 1;
    if (sbp <= 219) return 0;
    return 3;
  }

  static int pulse(double hr) {
    if (hr <= 40) return 3;
    if (hr <= 50) return 1;
    if (hr <= 90) return 0;
    if (hr <= 110) return 1;
    if (hr <= 130) return 2;
    return 3;
  }

  static int consciousness(double notAlert) {
    return notAlert > 0 ? 3 : 0;
  }

  static int temperature(double t) {
    if (t <= 35.0) return 3;
    if (t <= 36.0) return 1;
    if (t <= 38.0) return 0;
    if (t <= 39.0) return 1;
    return 2;
  }

  static int[] chart(float[] row) {
    return new int[] {
      respiration(row[0]),
      spo2(row[1]),
      oxygen(row[2]),
      systolic(row[3]),
      pulse(row[4]),
      consciousness(row[5]),
      temperature(row[6])
    };
  }

  static final float[] NORMAL = {16, 97, 0, 120, 70, 0, 37.0f};

  @Test
  void reproducesTheWorkedExample() {
    // RR 24, SpO2 93, on oxygen, SBP 105, HR 115, alert, 38.5 °C → 2+2+2+1+2+0+1 = 10 (high).
    float[] row = {24, 93, 2, 105, 115, 0, 38.5f};
    OnnxModel.Scores s = model.predictWithItems(row);
    assertEquals(10, s.totals()[0], 1e-6);
    assertArrayEquals(new float[] {2, 2, 2, 1, 2, 0, 1}, s.items()[0], 1e-6f);
    assertEquals("high", model.descriptor().bandOf(10, toDouble(s.items()[0])).code());
  }

  @Test
  void everyParameterMatchesTheChartOverItsWholeRange() {
    double[][] ranges = {
      {1, 80, 0.5},
      {50, 100, 0.5},
      {0, 15, 0.5},
      {40, 300, 0.5},
      {20, 250, 0.5},
      {0, 1, 1},
      {25, 45, 0.05}
    };
    List<float[]> rows = new ArrayList<>();
    for (int item = 0; item < ranges.length; item++) {
      for (double v = ranges[item][0]; v <= ranges[item][1] + 1e-9; v += ranges[item][2]) {
        float[] row = NORMAL.clone();
        row[item] = (float) v;
        rows.add(row);
      }
    }
    float[] batch = new float[rows.size() * 7];
    for (int r = 0; r < rows.size(); r++) {
      System.arraycopy(rows.get(r), 0, batch, r * 7, 7);
    }
    OnnxModel.Scores s = model.predictWithItems(batch);
    for (int r = 0; r < rows.size(); r++) {
      int[] expected = chart(rows.get(r));
      int total = 0;
      for (int i = 0; i < 7; i++) {
        total += expected[i];
        assertEquals(
            expected[i],
            s.items()[r][i],
            1e-6,
            String.format(Locale.ROOT, "item %d at %s", i, java.util.Arrays.toString(rows.get(r))));
      }
      assertEquals(total, s.totals()[r], 1e-6);
    }
    assertEquals(rows.size(), s.totals().length);
  }

  @Test
  void bandsFollowTheClinicalResponseThresholds() {
    ModelDescriptor d = model.descriptor();
    assertEquals("low", d.bandOf(4, new double[] {2, 2, 0, 0, 0, 0, 0}).code());
    assertEquals("low-medium", d.bandOf(3, new double[] {0, 0, 0, 0, 0, 3, 0}).code());
    assertEquals("low-medium", d.bandOf(4, new double[] {3, 1, 0, 0, 0, 0, 0}).code());
    assertEquals("medium", d.bandOf(5, new double[] {3, 2, 0, 0, 0, 0, 0}).code());
    assertEquals("medium", d.bandOf(6, new double[] {1, 1, 2, 1, 1, 0, 0}).code());
    assertEquals("high", d.bandOf(7, new double[] {3, 3, 0, 1, 0, 0, 0}).code());
    assertEquals("low", d.bandOf(0, new double[7]).code());
  }

  @Test
  void itemPointsAddUpAndEqualExactShapleyOnTheSameGraph() {
    float[] patient = {24, 93, 2, 105, 115, 1, 34.5f};
    boolean[] all = new boolean[7];
    java.util.Arrays.fill(all, true);
    Explainer.Explanation points =
        new PointsExplainer().explain(model, patient, NORMAL, all, List.of());
    int[] chart = chart(patient);
    double sum = 0;
    for (int i = 0; i < 7; i++) {
      assertEquals(chart[i], points.contributions()[i], 1e-6);
      sum += points.contributions()[i];
    }
    assertEquals(points.prediction() - points.baseline(), sum, 1e-6);
    assertEquals(0, points.baseline(), 1e-6);
    // The score is additive, so exact interventional Shapley recovers each item's points.
    Explainer.Explanation shapley =
        new ShapleyExplainer().explain(model, patient, NORMAL, all, List.of());
    assertArrayEquals(points.contributions(), shapley.contributions(), 1e-5);
    assertEquals(points.prediction(), shapley.prediction(), 1e-6);
  }

  @Test
  void theServedGraphIsTheOneCompiledFromModelJson() throws Exception {
    assertArrayEquals(
        PointScoreGraphBuilder.build(model.descriptor()),
        Files.readAllBytes(DIR.resolve(model.descriptor().artifact())));
  }

  private static double[] toDouble(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }
}
