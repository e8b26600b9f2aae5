package dev.clarion.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The committed ONNX graph: reproducible from code, pinned, and equal to the Java reference. */
class PceOnnxParityTest {

  static final Path DESCRIPTOR = Path.of("models/ascvd-pce/model.json");
  static OnnxModel model;

  @BeforeAll
  static void load() {
    model = ModelLoader.load(DESCRIPTOR, new ObjectMapper(), OrtEnvironment.getEnvironment(), 1);
  }

  @AfterAll
  static void close() throws Exception {
    model.close();
  }

  @Test
  void committedGraphIsExactlyWhatTheBuilderProduces() throws Exception {
    byte[] committed = Files.readAllBytes(Path.of("models/ascvd-pce/ascvd-pce.onnx"));
    assertArrayEquals(
        PceGraphBuilder.build(),
        committed,
        "models/ascvd-pce/ascvd-pce.onnx is stale: run PceGraphBuilder and update the sha256");
  }

  @Test
  void descriptorPinsTheArtifactHash() throws Exception {
    String pinned = new ObjectMapper().readTree(DESCRIPTOR.toFile()).get("sha256").asText();
    assertEquals(
        ModelLoader.sha256(Files.readAllBytes(Path.of("models/ascvd-pce/ascvd-pce.onnx"))), pinned);
    assertEquals(pinned, model.sha256());
  }

  @Test
  void onnxMatchesJavaReferenceOverAGridOfInputs() {
    double[] ages = {40, 47, 55, 63, 71, 79};
    double[] tcs = {130, 170, 213, 260, 320};
    double[] hdls = {20, 35, 50, 75, 100};
    double[] sbps = {90, 120, 140, 170, 200};
    int width = PooledCohortEquations.INPUTS;
    int rows = ages.length * tcs.length * hdls.length * sbps.length * 32;
    float[] batch = new float[rows * width];
    double[][] inputs = new double[rows][];
    int r = 0;
    for (double age : ages) {
      for (double tc : tcs) {
        for (double hdl : hdls) {
          for (double sbp : sbps) {
            for (int flags = 0; flags < 32; flags++) {
              double[] x = {
                age,
                tc,
                hdl,
                sbp,
                flags & 1,
                (flags >> 1) & 1,
                (flags >> 2) & 1,
                (flags >> 3) & 1,
                (flags >> 4) & 1
              };
              inputs[r] = x;
              for (int i = 0; i < width; i++) {
                batch[r * width + i] = (float) x[i];
              }
              r++;
            }
          }
        }
      }
    }
    double[] onnx = model.predict(batch);
    double worst = 0;
    for (int i = 0; i < rows; i++) {
      double expected = PooledCohortEquations.risk(inputs[i]);
      worst = Math.max(worst, Math.abs(expected - onnx[i]));
      assertEquals(expected, onnx[i], 1e-5, () -> "row " + java.util.Arrays.toString(inputs[0]));
    }
    assertTrue(rows >= 20_000, "grid covers " + rows + " rows, worst difference " + worst);
  }
}
