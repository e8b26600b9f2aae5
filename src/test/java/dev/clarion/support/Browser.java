package dev.clarion.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a page script from {@code src/test/browser} (playwright-core driving Debian's headless
 * Chromium, never a downloaded browser) and returns the JSON line it printed; screenshots go to
 * {@code target/screenshots}.
 */
public final class Browser {

  public static final Path SCRIPTS = Path.of("src/test/browser");
  public static final Path OUT = Path.of("target/screenshots");
  static final String CHROMIUM = System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium");

  private Browser() {}

  public static JsonNode run(String script, Map<String, String> env)
      throws IOException, InterruptedException {
    Files.createDirectories(OUT);
    assertTrue(
        Files.isExecutable(Path.of(CHROMIUM)),
        "The page tests need Debian's Chromium at "
            + CHROMIUM
            + " (apt-get install chromium; .ci/run installs it)");
    assertTrue(
        Files.isDirectory(SCRIPTS.resolve("node_modules/playwright-core")),
        "playwright-core is missing: the build runs 'npm ci' in " + SCRIPTS);
    Path stderr = OUT.resolve(script + ".stderr.txt");
    ProcessBuilder pb =
        new ProcessBuilder("node", script)
            .directory(SCRIPTS.toFile())
            .redirectError(stderr.toFile());
    pb.environment().putAll(env);
    pb.environment().put("OUT", OUT.toAbsolutePath().toString());
    pb.environment().put("CHROMIUM", CHROMIUM);
    Process p = pb.start();
    String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(3, TimeUnit.MINUTES), script + " finished");
    assertEquals(0, p.exitValue(), script + " failed: " + Files.readString(stderr) + stdout);
    String[] lines = stdout.strip().split("\n");
    JsonNode seen = Fixtures.JSON.readTree(lines[lines.length - 1]);
    assertTrue(seen.path("ok").asBoolean(), script + ": " + seen.path("error").asText());
    return seen;
  }

  /**
   * Pixels within ±12 per channel of {@code rgb}, inside the box (CSS px = image px at scale 1) or
   * anywhere when the box is null.
   */
  public static int pixels(BufferedImage image, JsonNode box, int rgb) {
    int x0 = box == null ? 0 : Math.max(0, box.get("x").asInt());
    int y0 = box == null ? 0 : Math.max(0, box.get("y").asInt());
    int x1 =
        box == null ? image.getWidth() : Math.min(image.getWidth(), x0 + box.get("width").asInt());
    int y1 =
        box == null
            ? image.getHeight()
            : Math.min(image.getHeight(), y0 + box.get("height").asInt());
    int count = 0;
    for (int y = y0; y < y1; y++) {
      for (int x = x0; x < x1; x++) {
        int p = image.getRGB(x, y);
        if (Math.abs(((p >> 16) & 0xff) - ((rgb >> 16) & 0xff)) <= 12
            && Math.abs(((p >> 8) & 0xff) - ((rgb >> 8) & 0xff)) <= 12
            && Math.abs((p & 0xff) - (rgb & 0xff)) <= 12) {
          count++;
        }
      }
    }
    return count;
  }
}
