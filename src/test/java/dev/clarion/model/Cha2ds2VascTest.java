package dev.clarion.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CHA₂DS₂-VASc as served (ONNX compiled from model.json's point table) against an independent
 * transcription of Lip et al., Chest 2010;137:263, Table 1 (C 1, H 1, A₂ age ≥ 75 2, D 1, S₂
 * stroke/TIA/thromboembolism 2, V 1, A age 65–74 1, Sc female 1; maximum 9), and the risk
 * categories of the 2023 ACC/AHA/ACCP/HRS AF guideline, section 6.3.1 (≥ 2 %/year at ≥ 2 in men, ≥
 * 3 in women; 1 to &lt; 2 %/year at 1 in men, 2 in women).
 */
class Cha2ds2VascTest {

  static final Path DIR = Path.of("models/cha2ds2-vasc");
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

  /** Lip 2010 Table 1, by hand: columns C, H, age, D, S, V, female. */
  static int[] table1(float[] row) {
    int age = row[2] >= 75 ? 2 : row[2] >= 65 ? 1 : 0;
    return new int[] {
      (int) row[0], (int) row[1], age, (int) row[3], 2 * (int) row[4], (int) row[5], (int) row[6]
    };
  }

  /** 2023 ACC/AHA/ACCP/HRS §6.3.1: the category by sex. */
  static String category(int total, boolean female) {
    int men = female ? total - 1 : total;
    return men >= 2 ? "high" : men == 1 ? "intermediate" : "low";
  }

  @Test
  void everyCombinationMatchesLip2010Table1AndTheGuidelineCategories() {
    List<float[]> rows = new ArrayList<>();
    for (int bits = 0; bits < 64; bits++) {
      for (int age = 18; age <= 120; age++) {
        rows.add(
            new float[] {
              bits & 1,
              (bits >> 1) & 1,
              age,
              (bits >> 2) & 1,
              (bits >> 3) & 1,
              (bits >> 4) & 1,
              (bits >> 5) & 1
            });
      }
    }
    float[] batch = new float[rows.size() * 7];
    for (int r = 0; r < rows.size(); r++) {
      System.arraycopy(rows.get(r), 0, batch, r * 7, 7);
    }
    OnnxModel.Scores s = model.predictWithItems(batch);
    int highest = 0;
    for (int r = 0; r < rows.size(); r++) {
      int[] expected = table1(rows.get(r));
      int total = 0;
      double[] items = new double[7];
      for (int i = 0; i < 7; i++) {
        total += expected[i];
        items[i] = s.items()[r][i];
        assertEquals(expected[i], s.items()[r][i], 1e-6, "item " + i + " of row " + r);
      }
      assertEquals(total, s.totals()[r], 1e-6);
      highest = Math.max(highest, total);
      assertEquals(
          category(total, rows.get(r)[6] == 1),
          model.descriptor().bandOf(s.totals()[r], items).code(),
          "category of row " + r);
    }
    assertEquals(9, highest, "Lip 2010: the maximum score is 9");
  }

  @Test
  void ageBoundariesOfTable1() {
    float[] base = {0, 0, 0, 0, 0, 0, 0};
    for (float[] agePoints : new float[][] {{64, 0}, {65, 1}, {74, 1}, {75, 2}}) {
      float[] row = base.clone();
      row[2] = agePoints[0];
      assertEquals(agePoints[1], model.predictWithItems(row).totals()[0], 1e-6, "age " + row[2]);
    }
  }

  @Test
  void guidelineThresholdsBySex2023AccAhaSection631() {
    ModelDescriptor d = model.descriptor();
    // A woman with no other risk factor: 1 point, low (the sex category alone does not count).
    assertEquals("low", d.bandOf(1, new double[] {0, 0, 0, 0, 0, 0, 1}).code());
    // Woman 2 → intermediate (class 2a), woman 3 → high (class 1).
    assertEquals("intermediate", d.bandOf(2, new double[] {0, 1, 0, 0, 0, 0, 1}).code());
    assertEquals("high", d.bandOf(3, new double[] {0, 1, 1, 0, 0, 0, 1}).code());
    // Man 1 → intermediate, man 2 → high.
    assertEquals("intermediate", d.bandOf(1, new double[] {0, 1, 0, 0, 0, 0, 0}).code());
    assertEquals("high", d.bandOf(2, new double[] {0, 0, 0, 0, 2, 0, 0}).code());
    assertEquals("low", d.bandOf(0, new double[7]).code());
  }

  @Test
  void theServedGraphIsTheOneCompiledFromModelJson() throws Exception {
    assertArrayEquals(
        PointScoreGraphBuilder.build(model.descriptor()),
        Files.readAllBytes(DIR.resolve(model.descriptor().artifact())));
  }
}
