package dev.clarion.imaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.error.DefinitionException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Imaging models reload like every model: a changed folder is read and checked in full, then
 * swapped in at once; a folder that does not check out is refused naming the file and field, and
 * the active set stays.
 */
class ImageModelsReloadTest {

  static Path copy(Path dir) throws Exception {
    Path folder = Files.createDirectories(dir.resolve("lesion-demo"));
    for (String f :
        new String[] {
          "image-model.json", "preprocessing.json", "lesion-demo.onnx", "model-card.json"
        }) {
      Files.copy(HeldOut.FOLDER.resolve(f), folder.resolve(f));
    }
    return folder;
  }

  @Test
  void aChangedFolderIsReadCheckedAndSwappedInAndABrokenOneIsRefused(@TempDir Path dir)
      throws Exception {
    Path folder = copy(dir);
    ImageModels models = new ImageModels(dir, 1, new ObjectMapper());
    assertEquals("1.0.0", models.find("lesion-demo").orElseThrow().descriptor().version());
    assertEquals(models.fingerprint(), models.fingerprintOnDisk(), "nothing changed yet");

    Path descriptor = folder.resolve("image-model.json");
    Files.writeString(
        descriptor,
        Files.readString(descriptor).replace("\"version\": \"1.0.0\"", "\"version\": \"1.0.1\""));
    assertNotEquals(models.fingerprint(), models.fingerprintOnDisk(), "the watcher sees it");
    List<String> changes = models.activate(models.read());
    assertEquals(List.of("lesion-demo 1.0.0 → 1.0.1"), changes);
    assertEquals("1.0.1", models.find("lesion-demo").orElseThrow().descriptor().version());

    Files.writeString(
        descriptor,
        Files.readString(descriptor).replaceAll("\"sha256\": \"[0-9a-f]+\"", "\"sha256\": \"00\""));
    DefinitionException e = assertThrows(DefinitionException.class, models::read);
    assertTrue(e.getMessage().contains("image-model.json") && e.getMessage().contains("sha256"));
    assertEquals(
        "1.0.1",
        models.find("lesion-demo").orElseThrow().descriptor().version(),
        "the active model stays");
    float[] input = new float[64 * 64];
    assertEquals(1, models.find("lesion-demo").orElseThrow().predict(input).length, "still serves");
  }
}
