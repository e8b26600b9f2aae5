package dev.clarion.model;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Every loaded model's card is readable as a page, with every source attribute of its JSON. */
@QuarkusTest
class ModelCardPageTest {

  @Test
  void everyModelCardIsServedAsAPageWithAllItsSourceAttributes() throws Exception {
    List<String> ids = given().get("/models").then().statusCode(200).extract().path("id");
    assertTrue(ids.size() >= 5, ids.toString());
    for (String id : ids) {
      JsonNode card =
          new ObjectMapper().readTree(Path.of("models", id, "model-card.json").toFile());
      String html =
          given()
              .accept("text/html")
              .get("/models/" + id + "/card.html")
              .then()
              .statusCode(200)
              .contentType(containsString("text/html"))
              .body(containsString(card.get("title").asText().replace("'", "&#39;")))
              .extract()
              .asString();
      int at = html.indexOf("id=\"attributes\"");
      String attributes = html.substring(at, html.indexOf("</section>", at));
      Matcher rows = Pattern.compile("<tr>").matcher(attributes);
      int count = 0;
      while (rows.find()) {
        count++;
      }
      assertEquals(card.get("sourceAttributes").size(), count, id);
      assertTrue(html.contains("Use of") || html.contains("Validity in"), id);
      Path rulesFile = Path.of("models", id, "recommendations.json");
      if (Files.exists(rulesFile)) {
        JsonNode rules = new ObjectMapper().readTree(rulesFile.toFile()).get("rules");
        int from = html.indexOf("id=\"recommendation-rules\"");
        assertTrue(from > 0, id + ": the page lists its recommendation rules");
        String section = html.substring(from, html.indexOf("</section>", from));
        assertTrue(
            section.contains("Recommendation rules (" + rules.size() + ")"), id + ": " + section);
        for (JsonNode rule : rules) {
          assertTrue(
              section.contains(rule.get("id").asText() + " " + rule.get("version").asText()),
              id + " lists " + rule.get("id"));
        }
        boolean unreviewed = false;
        for (JsonNode rule : rules) {
          unreviewed |= !rule.has("review");
        }
        assertEquals(
            unreviewed,
            section.contains("No clinical review recorded: withheld in a production run"),
            id + ": an unreviewed rule says it is withheld in production");
      }
    }
    given().get("/models/no-such-model/card.html").then().statusCode(404);
  }
}
