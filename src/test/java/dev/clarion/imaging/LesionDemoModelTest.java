package dev.clarion.imaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.error.DefinitionException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed demonstration CNN is the one its recipe made, and does what its model card says —
 * on synthetic data only. CI does not retrain ({@code models/lesion-demo/recipe/train.py} does,
 * with Debian's python3-torch): it checks the artifact against its pin, the recipe's own outputs on
 * the 128 shipped held-out images, and an AUC floor.
 */
class LesionDemoModelTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static ImageModel model;
  static HeldOut heldOut;

  @BeforeAll
  static void load() throws Exception {
    model =
        ImageModel.load(
            HeldOut.FOLDER.resolve(ImageModel.DESCRIPTOR),
            JSON,
            OrtEnvironment.getEnvironment(),
            1);
    heldOut = HeldOut.read();
  }

  @AfterAll
  static void close() throws Exception {
    model.close();
  }

  static float[] predictAll() {
    int size = HeldOut.SIZE * HeldOut.SIZE;
    float[] batch = new float[heldOut.images().size() * size];
    for (int i = 0; i < heldOut.images().size(); i++) {
      System.arraycopy(
          model.preprocessing().apply(HeldOut.frame(heldOut.images().get(i))),
          0,
          batch,
          i * size,
          size);
    }
    return model.predict(batch);
  }

  @Test
  void onnxRuntimeReproducesTheRecipesProbabilitiesOnTheShippedHeldOutImages() throws Exception {
    JsonNode reference = JSON.readTree(HeldOut.FOLDER.resolve("heldout/reference.json").toFile());
    float[] p = predictAll();
    assertEquals(128, p.length);
    for (int i = 0; i < p.length; i++) {
      assertEquals(
          reference.get("probabilities").get(i).asDouble(), p[i], 1e-4, "held-out image " + i);
    }
  }

  @Test
  void heldOutAucIsAboveTheFloorAndAsReported() throws Exception {
    double auc = HeldOut.auc(predictAll(), heldOut.lesions());
    JsonNode reference = JSON.readTree(HeldOut.FOLDER.resolve("heldout/reference.json").toFile());
    assertEquals(reference.get("shippedAuc").asDouble(), auc, 1e-4);
    assertTrue(auc >= 0.90, "AUC floor 0.90 on the shipped synthetic held-out images: " + auc);
    JsonNode report = JSON.readTree(HeldOut.FOLDER.resolve("training-report.json").toFile());
    assertEquals(report.get("heldoutAuc").asDouble(), reference.get("heldoutAuc").asDouble());
    assertEquals(model.sha256(), report.get("sha256").asText(), "the report is of this artifact");
  }

  @Test
  void theModelCardAndEveryDescriptorSayItIsADemonstration() throws Exception {
    assertTrue(model.descriptor().demonstration());
    assertTrue(model.descriptor().notice().contains("Not for clinical use"));
    JsonNode card = JSON.readTree(HeldOut.FOLDER.resolve("model-card.json").toFile());
    assertTrue(card.get("title").asText().contains("DEMONSTRATION"));
    assertTrue(card.at("/sourceAttributes/intendedUse").asText().contains("NOT FOR CLINICAL USE"));
  }

  @Test
  void aChangedArtifactIsRefusedNamingTheFileAndField(@TempDir Path dir) throws Exception {
    Path folder = dir.resolve("lesion-demo");
    Files.createDirectories(folder);
    for (String f : new String[] {"image-model.json", "preprocessing.json", "lesion-demo.onnx"}) {
      Files.copy(HeldOut.FOLDER.resolve(f), folder.resolve(f));
    }
    byte[] onnx = Files.readAllBytes(folder.resolve("lesion-demo.onnx"));
    onnx[onnx.length - 1] ^= 1;
    Files.write(folder.resolve("lesion-demo.onnx"), onnx);
    DefinitionException e =
        assertThrows(
            DefinitionException.class,
            () ->
                ImageModel.load(
                    folder.resolve("image-model.json"), JSON, OrtEnvironment.getEnvironment(), 1));
    assertTrue(e.getMessage().contains("image-model.json"), e.getMessage());
    assertTrue(e.getMessage().contains("sha256"), e.getMessage());
  }

  @Test
  void aPreprocessingThatDoesNotFitTheGraphIsRefused(@TempDir Path dir) throws Exception {
    Path folder = dir.resolve("lesion-demo");
    Files.createDirectories(folder);
    for (String f : new String[] {"image-model.json", "lesion-demo.onnx"}) {
      Files.copy(HeldOut.FOLDER.resolve(f), folder.resolve(f));
    }
    Files.writeString(
        folder.resolve("preprocessing.json"),
        Files.readString(HeldOut.FOLDER.resolve("preprocessing.json"))
            .replace("\"rows\": 64", "\"rows\": 128"));
    DefinitionException e =
        assertThrows(
            DefinitionException.class,
            () ->
                ImageModel.load(
                    folder.resolve("image-model.json"), JSON, OrtEnvironment.getEnvironment(), 1));
    assertTrue(e.getMessage().contains("input"), e.getMessage());
  }

  @Test
  void preprocessingWindowsResizesAndNormalisesAsTheFileSays() {
    Preprocessing p = model.preprocessing();
    // A 128 x 128 frame of constant 2048 (the window centre) is 0.5 after the window everywhere,
    // whatever the resize.
    int[] flat = new int[128 * 128];
    java.util.Arrays.fill(flat, 2048);
    float[] out = p.apply(new PixelFrame(128, 128, flat, 1, 0, "MONOCHROME2"));
    assertEquals(64 * 64, out.length);
    double expected = ((2048 - 2047.5) / 4095 + 0.5 - 0.351474) / 0.090373;
    assertEquals(expected, out[0], 1e-5);
    assertEquals(expected, out[4095], 1e-5);
    // MONOCHROME1 inverts after the window; a rescale intercept shifts before it.
    float[] inverted = p.apply(new PixelFrame(128, 128, flat, 1, -2048, "MONOCHROME1"));
    double y = 1 - Math.max(0, Math.min(1, (0 - 2047.5) / 4095 + 0.5));
    assertEquals((y - 0.351474) / 0.090373, inverted[0], 1e-5);
    // Downsampling 2:1 with centres aligned averages each 2 x 2 block.
    int[] stripes = new int[128 * 128];
    for (int i = 0; i < stripes.length; i++) {
      stripes[i] = (i % 128) % 2 == 0 ? 0 : 4095;
    }
    float[] half = p.apply(new PixelFrame(128, 128, stripes, 1, 0, "MONOCHROME2"));
    double mid = ((0 + 1.0) / 2 - 0.351474) / 0.090373;
    assertEquals(mid, half[64 * 10 + 10], 1e-3);
  }
}
