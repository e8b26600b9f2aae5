package dev.clarion.error;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The byte scan for an escaped NUL, word by word: every position, every remainder. */
class JsonStringsTest {

  @Test
  void findsAnEscapedNulWhereverItLies() {
    for (int length = 0; length <= 40; length++) {
      for (int at = 0; at + 6 <= length; at++) {
        String filler = "a\\\\b\\\"c\\u0041d\\n".repeat(4);
        String body = filler.substring(0, at) + "\\u0000" + filler.substring(0, length - at - 6);
        assertEquals(
            true, JsonStrings.mayHoldNul(bytes(body)), "NUL escape at " + at + " of " + length);
      }
    }
  }

  @Test
  void otherEscapesAndCutOffEscapesAreNotANul() {
    for (String body :
        new String[] {
          "",
          "{}",
          "\\\\\\\\\\\\\\\\\\\\\\\\",
          "{\"a\":\"\\u0001\\u0010\\u1000\"}",
          "xxxxxxxxxxxxx\\u000",
          "xxxxxxxxxx\\u00",
          "\\u000 \\u00 0",
          "é\\ué000"
        }) {
      assertEquals(false, JsonStrings.mayHoldNul(bytes(body)), body);
    }
  }

  @Test
  void anEscapedBackslashBeforeU0000StillCountsAsMaybe() {
    // The scan is a cheap pre-check; the parsed tree decides (this one holds no NUL).
    assertEquals(true, JsonStrings.mayHoldNul(bytes("{\"a\":\"\\\\u0000\"}")));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
