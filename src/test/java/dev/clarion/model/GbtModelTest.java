package dev.clarion.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.explain.Explainer;
import dev.clarion.explain.TreeShapExplainer;
import java.nio.file.Files;
import java.util.List;
import ml.dmlc.xgboost4j.java.Booster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gradient-boosted Pima model: the recipe reproduces the committed artifact byte for byte, the
 * ONNX graph equals XGBoost on every held-out row, TreeSHAP equals XGBoost's own {@code
 * predictContrib} and adds up, and the held-out AUC stays above its floor.
 */
class GbtModelTest {

  static Booster booster;
  static OnnxModel model;
  static LogisticTrainer.Split test;

  @BeforeAll
  static void train() throws Exception {
    booster = PimaGbtTrainer.train();
    model =
        ModelLoader.load(
            PimaGbtTrainer.DIR.resolve("model.json"),
            new ObjectMapper(),
            OrtEnvironment.getEnvironment(),
            1);
    test = PimaTrainer.read(PimaGbtTrainer.DATA.resolve("Pima.te.csv"));
  }

  @AfterAll
  static void close() throws Exception {
    model.close();
    booster.dispose();
  }

  static float[] row(int i) {
    float[] r = new float[5];
    for (int c = 0; c < 5; c++) {
      r[c] = (float) test.x()[i][c];
    }
    return r;
  }

  @Test
  void theRecipeReproducesTheCommittedArtifact() throws Exception {
    assertArrayEquals(
        Files.readAllBytes(PimaGbtTrainer.DIR.resolve("diabetes-pima-gbt.onnx")),
        PimaGbtTrainer.graph(booster));
  }

  @Test
  void onnxEqualsXgboostOnEveryHeldOutRow() throws Exception {
    double[] xgb = PimaGbtTrainer.probabilities(booster, test);
    for (int i = 0; i < xgb.length; i++) {
      assertEquals(xgb[i], model.predict(row(i))[0], 1e-5, "row " + i);
      double margin = model.trees().margin(row(i));
      assertEquals(xgb[i], 1 / (1 + Math.exp(-margin)), 1e-5, "tree walk, row " + i);
    }
  }

  @Test
  void treeShapEqualsXgboostPredictContribAndAddsUp() throws Exception {
    float[][] contrib = booster.predictContrib(PimaGbtTrainer.matrix(test), 0);
    TreeEnsemble trees = model.trees();
    for (int i = 0; i < contrib.length; i++) {
      double[] phi = TreeShapExplainer.shap(trees, row(i));
      double sum = 0;
      for (int c = 0; c < 5; c++) {
        assertEquals(contrib[i][c], phi[c], 1e-4, "row " + i + " input " + c);
        sum += phi[c];
      }
      assertEquals(contrib[i][5], trees.expectedMargin(), 1e-4, "bias = expected margin");
      assertEquals(trees.margin(row(i)) - trees.expectedMargin(), sum, 1e-6, "row " + i);
    }
  }

  @Test
  void cardContributionsAddUpToRiskMinusBaseline() {
    boolean[] all = {true, true, true, true, true};
    float[] patient = row(7);
    Explainer.Explanation e =
        new TreeShapExplainer().explain(model, patient, patient, all, List.of());
    double sum = 0;
    for (double c : e.contributions()) {
      sum += c;
    }
    assertEquals(e.prediction() - e.baseline(), sum, 1e-9);
    assertEquals(model.predict(patient)[0], e.prediction(), 1e-9);
  }

  @Test
  void heldOutAucStaysAboveItsFloorAndMatchesTheReport() throws Exception {
    double[] p = new double[test.y().length];
    for (int i = 0; i < p.length; i++) {
      p[i] = model.predict(row(i))[0];
    }
    double auc = LogisticTrainer.auc(p, test.y());
    assertTrue(auc >= 0.80, "AUC " + auc);
    double reported =
        new ObjectMapper()
            .readTree(PimaGbtTrainer.DIR.resolve("training-report.json").toFile())
            .get("testAuc")
            .asDouble();
    assertEquals(reported, auc, 1e-3);
  }
}
