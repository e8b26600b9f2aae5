package dev.clarion.card;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clarion.support.Browser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Cards fit on one screen: every golden card (scored, refused, order-sign), rendered from its
 * Markdown in Debian's headless Chromium at a CDS client's card width (600 px), is at most 600 px
 * tall — the ASCVD card used to be about 1,900 px in the Sandbox. Screenshots in {@code
 * target/screenshots/card-*.png}.
 */
class CardHeightBrowserTest {

  static final Path GOLDEN = Path.of("src/test/resources/cards/golden");
  static final int ONE_SCREEN = 600;

  @Test
  void everyGoldenCardFitsOnOneScreen() throws Exception {
    JsonNode seen =
        Browser.run("card-height.mjs", Map.of("GOLDEN", GOLDEN.toAbsolutePath().toString()));
    long goldens;
    try (var files = Files.list(GOLDEN)) {
      goldens = files.filter(f -> f.toString().endsWith(".json")).count();
    }
    assertEquals(goldens, seen.get("cards").size(), "every golden card was rendered");
    seen.get("cards")
        .fields()
        .forEachRemaining(
            card ->
                assertTrue(
                    card.getValue().asInt() > 100 && card.getValue().asInt() <= ONE_SCREEN,
                    card.getKey() + " is " + card.getValue().asInt() + " px tall"));
  }
}
