package dev.clarion.imaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The saliency map is faithful to the model: hiding the region it marks as most salient lowers the
 * probability more than hiding a random region of the same size (a deletion test, in the spirit of
 * Petsiuk et al. 2018's deletion metric), and on the synthetic images it points at the simulated
 * lesion the generator put there.
 */
class OcclusionSaliencyTest {

  static ImageModel model;
  static HeldOut heldOut;

  @BeforeAll
  static void load() throws Exception {
    model =
        ImageModel.load(
            HeldOut.FOLDER.resolve(ImageModel.DESCRIPTOR),
            new ObjectMapper(),
            OrtEnvironment.getEnvironment(),
            1);
    heldOut = HeldOut.read();
  }

  @AfterAll
  static void close() throws Exception {
    model.close();
  }

  /** The probability with one patch hidden (set to the image's mean, as the saliency does). */
  static double withPatchHidden(float[] image, int y, int x, int patch) {
    float[] copy = image.clone();
    OcclusionSaliency.occlude(copy, 0, HeldOut.SIZE, y, x, patch, OcclusionSaliency.mean(image));
    return model.predict(copy)[0];
  }

  @Test
  void deletingTheMostSalientRegionLowersTheScoreMoreThanDeletingARandomOne() {
    Random random = new Random(20261206);
    int images = 0;
    int beaten = 0;
    double topDrops = 0;
    double randomDrops = 0;
    for (int i = 0; i < heldOut.images().size(); i++) {
      float[] image = model.preprocessing().apply(HeldOut.frame(heldOut.images().get(i)));
      Saliency s = OcclusionSaliency.explain(model, image);
      if (s.probability() < 0.5) {
        continue; // nothing found: no region to delete
      }
      images++;
      int patch = s.patch();
      int y = s.origin(s.strongest() / s.gridColumns(), s.rows());
      int x = s.origin(s.strongest() % s.gridColumns(), s.columns());
      double top = s.probability() - withPatchHidden(image, y, x, patch);
      // the map's value is exactly that drop (the same batch, scored alone)
      assertEquals(s.strongestDrop(), top, 1e-4, "image " + i);
      double rnd = 0;
      for (int k = 0; k < 10; k++) {
        rnd +=
            s.probability()
                - withPatchHidden(
                    image,
                    random.nextInt(HeldOut.SIZE - patch + 1),
                    random.nextInt(HeldOut.SIZE - patch + 1),
                    patch);
      }
      rnd /= 10;
      topDrops += top;
      randomDrops += rnd;
      if (top > rnd) {
        beaten++;
      }
    }
    assertTrue(images >= 40, "positive calls to test: " + images);
    assertTrue(
        beaten >= 0.95 * images,
        "the most salient region beat random regions of the same size in " + beaten + "/" + images);
    assertTrue(
        topDrops > 5 * randomDrops,
        "mean drop: most salient " + topDrops / images + ", random " + randomDrops / images);
  }

  @Test
  void theStrongestRegionIsWhereTheGeneratorPutTheLesion() {
    int found = 0;
    int near = 0;
    for (int i = 0; i < heldOut.images().size(); i++) {
      HeldOut.Lesion lesion = heldOut.lesions().get(i);
      float[] image = model.preprocessing().apply(HeldOut.frame(heldOut.images().get(i)));
      Saliency s = OcclusionSaliency.explain(model, image);
      if (!lesion.present() || s.probability() < 0.5) {
        continue;
      }
      found++;
      double[] c = s.strongestCentre();
      double distance = Math.hypot(c[0] - lesion.row(), c[1] - lesion.col());
      if (distance <= lesion.radius() + s.patch() / 2.0) {
        near++;
      }
    }
    assertTrue(found >= 40, "lesions found: " + found);
    assertTrue(near >= 0.9 * found, "strongest region on the lesion in " + near + "/" + found);
  }

  @Test
  void theMapIsOneBatchOfEveryPatchPosition() {
    float[] image = model.preprocessing().apply(HeldOut.frame(heldOut.images().get(2)));
    Saliency s = OcclusionSaliency.explain(model, image);
    // 64 px, patch 8, stride 4: origins 0, 4, … 56 → 15 × 15
    assertEquals(15, s.gridRows());
    assertEquals(15, s.gridColumns());
    assertEquals(225, s.drops().length);
    assertEquals("image-mean", s.baseline());
    assertEquals(model.predict(image)[0], s.probability(), 1e-6);
  }

  /**
   * The overlay a clinician sees: the image in grey, red where hiding a region lowered the score, a
   * yellow box on the strongest region — which lies on the simulated lesion.
   */
  @Test
  void theOverlayTintsTheLesionAndFramesTheStrongestRegion() throws Exception {
    int index = 2; // a held-out image with a lesion the model finds
    HeldOut.Lesion lesion = heldOut.lesions().get(index);
    float[] image = model.preprocessing().apply(HeldOut.frame(heldOut.images().get(index)));
    Saliency s = OcclusionSaliency.explain(model, image);
    byte[] png = SaliencyOverlay.png(image, model.preprocessing(), s, 4);
    java.nio.file.Files.createDirectories(java.nio.file.Path.of("target/imaging"));
    java.nio.file.Files.write(java.nio.file.Path.of("target/imaging/overlay-heldout-2.png"), png);
    java.awt.image.BufferedImage img =
        javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png));
    assertEquals(256, img.getWidth());
    assertEquals(256, img.getHeight());
    double[] c = s.strongestCentre();
    java.awt.Color atStrongest = new java.awt.Color(img.getRGB((int) (c[1] * 4), (int) (c[0] * 4)));
    assertTrue(atStrongest.getRed() > atStrongest.getGreen() + 60, "red there: " + atStrongest);
    assertTrue(
        Math.hypot(c[0] - lesion.row(), c[1] - lesion.col()) <= lesion.radius() + s.patch() / 2.0,
        "the strongest region is on the lesion");
    // a corner far from the lesion stays grey
    int cx = lesion.col() < 32 ? 250 : 5;
    int cy = lesion.row() < 32 ? 250 : 5;
    java.awt.Color far = new java.awt.Color(img.getRGB(cx, cy));
    assertTrue(Math.abs(far.getRed() - far.getGreen()) < 40, "grey far away: " + far);
    int by = s.origin(s.strongest() / s.gridColumns(), s.rows()) * 4;
    int bx = s.origin(s.strongest() % s.gridColumns(), s.columns()) * 4;
    assertEquals(new java.awt.Color(255, 221, 0).getRGB(), img.getRGB(bx, by), "the box's corner");
  }
}
