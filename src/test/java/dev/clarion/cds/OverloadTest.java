package dev.clarion.cds;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.support.FakeFhirServer;
import dev.clarion.support.FakeFhirServerResource;
import dev.clarion.support.Fixtures;
import dev.clarion.support.Prometheus;
import dev.clarion.support.Sql;
import dev.clarion.support.TestEhr;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Admission control over HTTP: with every slot taken (and no queue), a call gets 503 with {@code
 * Retry-After} and an OperationOutcome at once, on the event loop, before its token is verified or
 * its body read — no decision, its token not spent, counted in the metrics, its connection still
 * usable — while health probes and staff routes still answer. A call whose body stops arriving gets
 * 408 and its connection closed at the read deadline, and its place frees. (The fair queue and its
 * waits: {@link AdmissionTest}.)
 */
@QuarkusTest
@TestProfile(OverloadTest.Profile.class)
class OverloadTest {

  public static class Profile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "clarion.cds.admission.max-concurrent", "2",
          "clarion.cds.admission.max-queued", "0",
          "clarion.cds.admission.max-wait", "50ms",
          "clarion.cds.admission.retry-after-seconds", "2",
          // The held calls wait 2 s for their data, with time to spare: the checks made while
          // they hold both slots need that window on a slow machine.
          "clarion.fhir.call-timeout", "5s",
          "clarion.fhir.deadline", "5s",
          // A body must arrive within 1 s of its headers (60 s by default).
          "quarkus.http.read-timeout", "1s");
    }
  }

  static final String PATH = "/cds-services/ascvd-risk";

  @TestHTTPResource("/")
  URL root;

  @Inject DataSource db;
  @Inject Admission admission;
  @Inject AdmissionGate gate;

  @AfterEach
  void reset() {
    FakeFhirServerResource.slow.reset();
  }

  @Test
  void aCallBeyondTheLimitGets503WithRetryAfterAndNoDecision() throws Exception {
    FakeFhirServer slow = FakeFhirServerResource.slow;
    slow.latencyMs = 2000;
    // Two calls whose data comes from a slow FHIR server hold both slots.
    List<ObjectNode> held = List.of(withoutPrefetch(slow.base()), withoutPrefetch(slow.base()));
    List<String> tokens = held.stream().map(r -> TestEhr.token(TestEhr.url(PATH))).toList();
    TestEhr.signed("/cds-services").get("/cds-services").then().statusCode(200);
    List<CompletableFuture<Response>> running =
        List.of(
            CompletableFuture.supplyAsync(() -> post(held.get(0), tokens.get(0))),
            CompletableFuture.supplyAsync(() -> post(held.get(1), tokens.get(1))));
    awaitRunning(2);
    double shedBefore = shed();

    ObjectNode turnedAway = Fixtures.request("cds/patient_view_synthea_scored.json");
    String token = TestEhr.token(TestEhr.url(PATH));
    Response refused = post(turnedAway, token);
    refused
        .then()
        .statusCode(503)
        .header("Retry-After", "2")
        .body("resourceType", equalTo("OperationOutcome"))
        .body("issue[0].code", equalTo("throttled"))
        .body("issue[0].details.coding[0].code", equalTo("overloaded"));
    assertEquals(1.0, shed() - shedBefore, "counted as shed (saturated)");
    assertEquals(
        "0",
        Sql.single(
            db,
            "select count(*) from decision where hook_instance = '"
                + turnedAway.get("hookInstance").asText()
                + "'"),
        "a call turned away never reached a service: no decision");

    // Refused before its body is read, the connection still serves its next request.
    assertEquals(
        List.of("HTTP/1.1 503 Service Unavailable", "HTTP/1.1 200 OK"),
        refusedThenProbeOnOneConnection(Fixtures.text(turnedAway), token));

    // Probes and staff routes are not behind the limit.
    given().get("/q/health/ready").then().statusCode(200);
    given().get("/models").then().statusCode(200);

    // The calls that held the slots finish and are recorded (scored, or 412 if the slow server
    // missed the per-call timeout on a busy machine: either way a decision).
    for (int i = 0; i < held.size(); i++) {
      int status = running.get(i).get(10, TimeUnit.SECONDS).statusCode();
      assertEquals(
          String.valueOf(status), Sql.decision(db, held.get(i), "http_status"), "recorded");
    }
    // The turned-away call spent nothing: the same call with the same token now succeeds.
    post(turnedAway, token).then().statusCode(200);
    assertEquals("SCORED", Sql.decision(db, turnedAway, "outcome"));
  }

  @Test
  void aBodyThatStopsArrivingGets408AndItsPlaceFrees() throws Exception {
    TestEhr.ensureRegistered();
    ObjectNode request = Fixtures.request("cds/patient_view_synthea_scored.json");
    String token = TestEhr.token(TestEhr.url(PATH));
    double timedOutBefore = bodyTimeouts();
    // Two calls send their headers and 10 of the 1,000 bytes they announce, then nothing: they
    // hold both of the gate's places.
    try (Socket first = stalledCall();
        Socket second = stalledCall()) {
      awaitAtGate(2);
      post(request, token).then().statusCode(503).header("Retry-After", "2");

      // At the deadline (1 s here): 408 with an OperationOutcome, and the connection is closed.
      for (Socket stalled : List.of(first, second)) {
        InputStream in = new BufferedInputStream(stalled.getInputStream());
        StringBuilder answer = new StringBuilder();
        assertEquals("HTTP/1.1 408 Request Timeout", statusOf(in, answer));
        assertTrue(answer.toString().contains("\"body-timeout\""), answer.toString());
        assertTrue(answer.toString().contains("\"resourceType\":\"OperationOutcome\""));
        assertEquals(-1, in.read(), "the connection is closed after the 408");
      }
    }
    awaitAtGate(0);
    assertEquals(2.0, bodyTimeouts() - timedOutBefore, "counted");
    // The places are free again, and the call turned away meanwhile spent nothing.
    post(request, token).then().statusCode(200);
    assertEquals("SCORED", Sql.decision(db, request, "outcome"));
  }

  /** A connection that sent a call's headers and the first 10 bytes of its body. */
  private Socket stalledCall() throws IOException {
    Socket socket = new Socket(root.getHost(), root.getPort());
    socket.setSoTimeout(10_000);
    OutputStream out = socket.getOutputStream();
    out.write(
        ("POST "
                + PATH
                + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Authorization: Bearer "
                + TestEhr.token(TestEhr.url(PATH))
                + "\r\nContent-Length: 1000\r\n\r\n{\"hook\": \"")
            .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return socket;
  }

  private void awaitAtGate(int n) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (gate.inFlight() != n && System.nanoTime() < end) {
      Thread.sleep(5);
    }
    assertEquals(n, gate.inFlight(), "calls at the gate");
  }

  private static double bodyTimeouts() {
    String text = given().get("/q/metrics").then().statusCode(200).extract().asString();
    return Prometheus.parse(text)
        .getOrDefault("clarion_cds_refused_total{kind=\"timeout\",reason=\"body-timeout\"}", 0.0);
  }

  private static Response post(ObjectNode request, String token) {
    return given()
        .header("Authorization", "Bearer " + token)
        .contentType("application/json")
        .body(Fixtures.text(request))
        .post(PATH);
  }

  /**
   * On one keep-alive connection: the 149 kB call (503 before its body is read: the server must
   * still consume it), then a readiness probe. The status line of each answer.
   */
  private List<String> refusedThenProbeOnOneConnection(String body, String token)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    try (Socket socket = new Socket(root.getHost(), root.getPort())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      InputStream in = new BufferedInputStream(socket.getInputStream());
      out.write(
          ("POST "
                  + PATH
                  + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                  + "Authorization: Bearer "
                  + token
                  + "\r\nContent-Length: "
                  + bytes.length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(bytes);
      out.flush();
      String first = statusOf(in);
      out.write(
          "GET /q/health/ready HTTP/1.1\r\nHost: localhost\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return List.of(first, statusOf(in));
    }
  }

  /** Reads one HTTP/1.1 answer (headers, then Content-Length bytes); its status line. */
  private static String statusOf(InputStream in) throws IOException {
    return statusOf(in, new StringBuilder());
  }

  /** As {@link #statusOf(InputStream)}, appending the answer's body to {@code body}. */
  private static String statusOf(InputStream in, StringBuilder body) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed after: " + head);
      }
      head.append((char) b);
    }
    int length = 0;
    for (String line : head.toString().split("\r\n")) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring("content-length:".length()).trim());
      }
    }
    body.append(new String(in.readNBytes(length), StandardCharsets.UTF_8));
    return head.substring(0, head.indexOf("\r\n"));
  }

  private void awaitRunning(int n) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (admission.running() < n && System.nanoTime() < end) {
      Thread.sleep(5);
    }
    assertEquals(n, admission.running());
  }

  private static double shed() {
    String text = given().get("/q/metrics").then().statusCode(200).extract().asString();
    return Prometheus.parse(text)
        .getOrDefault("clarion_cds_shed_total{reason=\"saturated\",service=\"ascvd-risk\"}", 0.0);
  }

  private static ObjectNode withoutPrefetch(String fhirServer) {
    ObjectNode request = Fixtures.request("cds/patient_view_synthea_scored.json");
    request.remove("prefetch");
    request.put("fhirServer", fhirServer);
    request
        .putObject("fhirAuthorization")
        .put("access_token", "overload-test-access-token")
        .put("token_type", "Bearer")
        .put("expires_in", 300)
        .put("scope", "patient/*.read")
        .put("subject", "clarion");
    return request;
  }
}
