package dev.clarion.cds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.support.Fixtures;
import dev.clarion.support.Sql;
import dev.clarion.support.TestEhr;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * A seeded fuzzer: thousands of signed CDS Hooks requests and feedback bodies, each a valid one
 * with one to three mutations (type swaps, deep nesting, huge and control-character strings, wrong
 * resource types, extreme numbers and dates, removed fields). No answer may be a 5xx (the database
 * is up, so not even the documented 503); every call to the known service is a decision row; the
 * server is healthy afterwards. The seed is fixed, so a failure replays; {@code -Dfuzz.seed} and
 * {@code -Dfuzz.requests} explore further.
 */
@QuarkusTest
class FuzzTest {

  static final String PATH = "/cds-services/ascvd-risk";
  static final JsonNodeFactory F = JsonNodeFactory.instance;

  @Inject DataSource db;

  final Random random = new Random(Long.getLong("fuzz.seed", 20261202L));

  JsonNode junk() {
    return switch (random.nextInt(16)) {
      case 0 -> F.nullNode();
      case 1 -> F.numberNode(random.nextInt());
      case 2 -> F.numberNode(new BigDecimal("9".repeat(1 + random.nextInt(400))));
      case 3 -> F.numberNode(-1e308);
      case 4 -> F.textNode("");
      case 5 -> F.textNode(" ");
      case 6 -> F.textNode("x".repeat(1 + random.nextInt(5000)));
      case 7 -> F.textNode("\u0001\u0007\u001b[31m\u2028\uffff");
      case 8 -> F.textNode("-5000-01-01T00:00:00Z");
      case 9 -> F.textNode("+300000-01-01T00:00:00Z");
      case 10 -> F.textNode("2026-13-45");
      case 11 -> F.booleanNode(random.nextBoolean());
      case 12 -> F.objectNode();
      case 13 -> F.arrayNode();
      case 14 -> nested(1 + random.nextInt(300));
      default -> F.objectNode().put("resourceType", random.nextBoolean() ? "Observation" : "Nope");
    };
  }

  static JsonNode nested(int depth) {
    ArrayNode top = F.arrayNode();
    ArrayNode at = top;
    for (int i = 0; i < depth; i++) {
      at = at.addArray();
    }
    at.add(1);
    return top;
  }

  /** Every container node of the tree with the field name or index of each child. */
  static void containers(JsonNode node, List<JsonNode> out) {
    if (node.isContainerNode()) {
      out.add(node);
      for (JsonNode child : node) {
        containers(child, out);
      }
    }
  }

  void mutate(JsonNode root) {
    List<JsonNode> nodes = new ArrayList<>();
    containers(root, nodes);
    JsonNode target = nodes.get(random.nextInt(nodes.size()));
    if (target instanceof ObjectNode o && o.size() > 0) {
      List<String> names = new ArrayList<>();
      for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
        names.add(it.next());
      }
      String name = names.get(random.nextInt(names.size()));
      if (random.nextInt(5) == 0) {
        o.remove(name);
      } else {
        o.set(name, junk());
      }
    } else if (target instanceof ArrayNode a && a.size() > 0) {
      a.set(random.nextInt(a.size()), junk());
    } else if (target instanceof ArrayNode a) {
      a.add(junk());
    }
  }

  @Test
  void thousandsOfMutatedRequestsNeverGetA5xxAndAreAllRecorded() throws Exception {
    int requests = Integer.getInteger("fuzz.requests", 1000);
    ObjectNode valid = Fixtures.request("cds/patient_view_synthea_scored.json");
    long before = decisions();
    Map<Integer, Integer> statuses =
        fuzz(
            PATH,
            requests,
            () -> {
              ObjectNode request = valid.deepCopy();
              request.put("hookInstance", UUID.randomUUID().toString());
              return request;
            });
    System.out.println("Fuzz (" + requests + " requests): statuses " + statuses);
    assertEquals(requests, decisions() - before, "every call to the service is a decision row");
    TestEhr.call(PATH, Fixtures.request("cds/patient_view_synthea_scored.json"));
    RestAssured.given().get("/q/health/ready").then().statusCode(200);
  }

  @Test
  void mutatedFeedbackNeverGetsA5xx() throws Exception {
    String path = PATH + "/feedback";
    ObjectNode valid =
        (ObjectNode)
            Fixtures.JSON.readTree(
                "{\"feedback\": [{\"card\": \""
                    + UUID.randomUUID()
                    + "\", \"outcome\": \"overridden\","
                    + " \"outcomeTimestamp\": \"2026-11-25T10:20:00Z\", \"overrideReason\": {\"reason\":"
                    + " {\"system\": \"https://clarion.dev/fhir/CodeSystem/override-reason\", \"code\":"
                    + " \"not-applicable\"}, \"userComment\": \"seen\"}}, {\"card\": \""
                    + UUID.randomUUID()
                    + "\", \"outcome\": \"accepted\", \"acceptedSuggestions\": [{\"id\": \"x\"}],"
                    + " \"outcomeTimestamp\": \"2026-11-25T10:21:00+01:00\"}]}");
    int bodies = Integer.getInteger("fuzz.feedback", 300);
    Map<Integer, Integer> statuses = fuzz(path, bodies, valid::deepCopy);
    System.out.println("Feedback fuzz (" + bodies + " bodies): statuses " + statuses);
    assertTrue(statuses.containsKey(400), "the fuzzer does reach validation");
  }

  /**
   * Posts {@code n} signed bodies, each a fresh valid one with one to three mutations; fails on a
   * 5xx; returns how many of each status were answered.
   */
  Map<Integer, Integer> fuzz(String path, int n, java.util.function.Supplier<ObjectNode> valid) {
    Map<Integer, Integer> statuses = new TreeMap<>();
    List<String> fives = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ObjectNode body = valid.get();
      int mutations = 1 + random.nextInt(3);
      for (int m = 0; m < mutations; m++) {
        mutate(body);
      }
      int status =
          TestEhr.signed(path)
              .contentType("application/json")
              .body(Fixtures.text(body))
              .post(path)
              .statusCode();
      statuses.merge(status, 1, Integer::sum);
      if (status >= 500) {
        String text = Fixtures.text(body);
        fives.add(
            "#" + i + " → " + status + ": " + text.substring(0, Math.min(2000, text.length())));
      }
    }
    assertEquals(List.of(), fives, "no 5xx (the body of each is shown to replay it)");
    return statuses;
  }

  long decisions() throws Exception {
    return Long.parseLong(
        Sql.single(db, "select count(*) from decision where service_id = 'ascvd-risk'"));
  }
}
