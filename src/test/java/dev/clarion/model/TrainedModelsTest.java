package dev.clarion.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The trained models (Pima diabetes, WDBC breast mass): each recipe reproduces its committed
 * artifact byte for byte, ONNX equals the trainer on every held-out row, the held-out AUC clears
 * its floor and equals the report and the card, and the card carries all 31 HTI-1 predictive source
 * attributes.
 */
class TrainedModelsTest {

  static final ObjectMapper JSON = new ObjectMapper();

  /** One recipe: where it lives, its splits, its graph, its AUC floor and the card's AUC format. */
  record Recipe(
      String id,
      LogisticTrainer.Split train,
      LogisticTrainer.Split test,
      Function<LogisticTrainer.Trained, byte[]> graph,
      LogisticTrainer.Trained trained,
      double floor,
      String aucFormat) {

    Path dir() {
      return Path.of("models", id);
    }

    @Override
    public String toString() {
      return id;
    }
  }

  static Stream<Recipe> recipes() throws Exception {
    LogisticTrainer.Split pimaTrain = PimaTrainer.read(PimaTrainer.DIR.resolve("data/Pima.tr.csv"));
    LogisticTrainer.Split[] wdbc = WdbcTrainer.read();
    return Stream.of(
        new Recipe(
            "diabetes-pima",
            pimaTrain,
            PimaTrainer.read(PimaTrainer.DIR.resolve("data/Pima.te.csv")),
            PimaTrainer::graph,
            PimaTrainer.train(pimaTrain),
            0.80,
            "AUC %.3f"),
        new Recipe(
            "breast-mass-wdbc",
            wdbc[0],
            wdbc[1],
            WdbcTrainer::graph,
            WdbcTrainer.train(wdbc[0]),
            0.95,
            "AUC %.3f"));
  }

  static double[] onnx(Recipe r) throws Exception {
    try (OnnxModel model =
        ModelLoader.load(r.dir().resolve("model.json"), JSON, OrtEnvironment.getEnvironment(), 1)) {
      int k = r.test().x()[0].length;
      float[] batch = new float[r.test().x().length * k];
      for (int i = 0; i < r.test().x().length; i++) {
        for (int c = 0; c < k; c++) {
          batch[i * k + c] = (float) r.test().x()[i][c];
        }
      }
      return model.predict(batch);
    }
  }

  @ParameterizedTest
  @MethodSource("recipes")
  void theRecipeReproducesTheCommittedArtifactByteForByte(Recipe r) throws Exception {
    byte[] committed = Files.readAllBytes(r.dir().resolve(r.id() + ".onnx"));
    assertArrayEquals(
        r.graph().apply(r.trained()),
        committed,
        r.id() + ".onnx is not what its training recipe produces: rerun the trainer");
    JsonNode descriptor = JSON.readTree(r.dir().resolve("model.json").toFile());
    assertEquals(ModelLoader.sha256(committed), descriptor.get("sha256").asText());
  }

  @ParameterizedTest
  @MethodSource("recipes")
  void onnxEqualsTheTrainerOnEveryHeldOutRow(Recipe r) throws Exception {
    double[] served = onnx(r);
    for (int i = 0; i < served.length; i++) {
      assertEquals(
          LogisticTrainer.tribuoProbability(r.trained(), r.test().x()[i]),
          served[i],
          1e-6,
          r.id() + " row " + i);
    }
  }

  @ParameterizedTest
  @MethodSource("recipes")
  void heldOutAucClearsTheFloorAndMatchesTheReportAndTheCard(Recipe r) throws Exception {
    double auc = LogisticTrainer.auc(onnx(r), r.test().y());
    assertTrue(auc >= r.floor(), r.id() + ": held-out AUC " + auc + " below " + r.floor());
    JsonNode report = JSON.readTree(r.dir().resolve("training-report.json").toFile());
    assertEquals(report.get("testAuc").asDouble(), auc, 1e-6);
    assertEquals(r.test().y().length, report.get("testRows").asInt());
    String card =
        JSON.readTree(r.dir().resolve("model-card.json").toFile())
            .at("/sourceAttributes/validityInTestDataSameSource")
            .asText();
    assertTrue(
        card.contains(String.format(Locale.ROOT, r.aucFormat(), auc)),
        r.id() + ": the card states the measured AUC: " + card);
  }

  @ParameterizedTest
  @MethodSource("recipes")
  void theCardCarriesAllThirtyOnePredictiveSourceAttributes(Recipe r) throws Exception {
    JsonNode card = JSON.readTree(r.dir().resolve("model-card.json").toFile());
    assertEquals("predictive", card.get("interventionType").asText());
    JsonNode attributes = card.get("sourceAttributes");
    assertEquals(31, attributes.size());
    for (Iterator<Map.Entry<String, JsonNode>> it = attributes.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> a = it.next();
      assertFalse(a.getValue().asText().isBlank(), r.id() + ": " + a.getKey());
    }
    assertFalse(attributes.get("fairnessInTestDataSameSource").asText().isBlank());
  }
}
