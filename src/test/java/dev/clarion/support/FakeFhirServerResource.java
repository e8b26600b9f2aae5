package dev.clarion.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Map;

/**
 * Starts two {@link FakeFhirServer}s over the Synthea test patient and allowlists them (the test
 * EHR registers them), plus a base URL where nothing listens (a FHIR server that is down). Two
 * servers, so a test that trips one server's circuit breaker does not disturb the others.
 */
public class FakeFhirServerResource implements QuarkusTestResourceLifecycleManager {

  public static FakeFhirServer main;
  public static FakeFhirServer flaky;
  public static FakeFhirServer slow;
  public static String down;

  @Override
  public Map<String, String> start() {
    try {
      main = new FakeFhirServer("cds/patient_view_synthea_scored.json");
      flaky = new FakeFhirServer("cds/patient_view_synthea_scored.json");
      slow = new FakeFhirServer("cds/patient_view_synthea_scored.json");
      try (ServerSocket s = new ServerSocket(0)) {
        down = "http://127.0.0.1:" + s.getLocalPort() + "/fhir";
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Map.of(
        "clarion.fhir.allowed-servers",
        String.join(",", main.base(), flaky.base(), slow.base(), down),
        "clarion.fhir.deadline",
        "1500ms",
        "clarion.fhir.call-timeout",
        "800ms",
        "clarion.fhir.max-pages",
        "20");
  }

  @Override
  public void stop() {
    main.close();
    flaky.close();
    slow.close();
  }
}
