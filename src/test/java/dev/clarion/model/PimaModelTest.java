package dev.clarion.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The trained diabetes model: the recipe reproduces the committed artifact, ONNX equals the
 * trainer, the held-out AUC clears its floor and matches the report and the card, and the card
 * carries all 31 HTI-1 predictive source attributes.
 */
class PimaModelTest {

  static final double AUC_FLOOR = 0.80;
  static final ObjectMapper JSON = new ObjectMapper();
  static OnnxModel model;
  static PimaTrainer.Trained trained;
  static PimaTrainer.Split test;

  @BeforeAll
  static void load() throws Exception {
    model =
        ModelRegistry.load(
            PimaTrainer.DIR.resolve("model.json"), JSON, OrtEnvironment.getEnvironment(), 1);
    trained = PimaTrainer.train(PimaTrainer.read(PimaTrainer.DIR.resolve("data/Pima.tr.csv")));
    test = PimaTrainer.read(PimaTrainer.DIR.resolve("data/Pima.te.csv"));
  }

  @AfterAll
  static void close() throws Exception {
    model.close();
  }

  @Test
  void theRecipeReproducesTheCommittedArtifactByteForByte() throws Exception {
    byte[] committed = Files.readAllBytes(PimaTrainer.DIR.resolve("diabetes-pima.onnx"));
    assertArrayEquals(
        PimaTrainer.graph(trained),
        committed,
        "diabetes-pima.onnx is not what the training recipe produces: rerun PimaTrainer");
    assertEquals(ModelRegistry.sha256(committed), model.sha256());
  }

  @Test
  void onnxEqualsTheTrainerOnEveryHeldOutRow() {
    int k = PimaTrainer.INPUTS.size();
    float[] batch = new float[test.x().length * k];
    for (int r = 0; r < test.x().length; r++) {
      for (int c = 0; c < k; c++) {
        batch[r * k + c] = (float) test.x()[r][c];
      }
    }
    double[] onnx = model.predict(batch);
    for (int r = 0; r < test.x().length; r++) {
      assertEquals(PimaTrainer.tribuoProbability(trained, test.x()[r]), onnx[r], 1e-6, "row " + r);
    }
  }

  @Test
  void heldOutAucClearsTheFloorAndMatchesTheReportAndTheCard() throws Exception {
    int k = PimaTrainer.INPUTS.size();
    float[] batch = new float[test.x().length * k];
    for (int r = 0; r < test.x().length; r++) {
      for (int c = 0; c < k; c++) {
        batch[r * k + c] = (float) test.x()[r][c];
      }
    }
    double auc = PimaTrainer.auc(model.predict(batch), test.y());
    assertTrue(auc >= AUC_FLOOR, "held-out AUC " + auc + " below the floor " + AUC_FLOOR);
    JsonNode report = JSON.readTree(PimaTrainer.DIR.resolve("training-report.json").toFile());
    assertEquals(report.get("testAuc").asDouble(), auc, 1e-6);
    assertEquals(model.sha256(), report.get("sha256").asText());
    String card =
        JSON.readTree(PimaTrainer.DIR.resolve("model-card.json").toFile())
            .at("/sourceAttributes/validityInTestDataSameSource")
            .asText();
    assertTrue(
        card.contains(String.format(java.util.Locale.ROOT, "AUC %.3f", auc)),
        "the card states the measured AUC: " + card);
  }

  @Test
  void theCardCarriesAllThirtyOnePredictiveSourceAttributes() throws Exception {
    JsonNode card = JSON.readTree(PimaTrainer.DIR.resolve("model-card.json").toFile());
    assertEquals("predictive", card.get("interventionType").asText());
    JsonNode attributes = card.get("sourceAttributes");
    assertEquals(31, attributes.size());
    for (Iterator<Map.Entry<String, JsonNode>> it = attributes.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> a = it.next();
      assertFalse(a.getValue().asText().isBlank(), a.getKey());
    }
    assertTrue(attributes.get("fairnessInTestDataSameSource").asText().contains("21-29 years"));
  }
}
