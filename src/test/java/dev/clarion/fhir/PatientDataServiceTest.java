package dev.clarion.fhir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.cds.api.CdsRequest;
import dev.clarion.cds.api.ServiceDefinition;
import dev.clarion.error.PrefetchUnavailableException;
import dev.clarion.telemetry.Telemetry;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Prefetch states without a FHIR server: what is optional, what is required, what tokens mean. */
class PatientDataServiceTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final PatientDataService SERVICE =
      new PatientDataService(
          FhirContextProducer.warm(),
          new FhirFetcher(config(), JSON, Telemetry.standalone()),
          config());

  static final ServiceDefinition DEFINITION =
      new ServiceDefinition(
          "test",
          "patient-view",
          "t",
          "d",
          new LinkedHashMap<>(
              Map.of(
                  "patient", "Patient/{{context.patientId}}",
                  "author", "Practitioner/{{userPractitionerId}}")),
          null,
          new ServiceDefinition.Clarion(
              "ascvd-pce", List.of("author"), null, null, null, null, null, null, null, null));

  @Test
  void missingOptionalKeyBecomesANoteForTheCard() throws Exception {
    PatientData data = SERVICE.gather(DEFINITION, request(true), "p1", r -> true, s -> false);
    assertNotNull(data.patient());
    assertTrue(
        data.notes()
            .contains(
                "'author' could not be obtained: not prefetched and no fhirServer was given."),
        data.notes().toString());
    assertEquals("prefetch", data.sources().get("patient"));
  }

  @Test
  void missingRequiredKeyIs412NamingTheKeyAndWhy() throws Exception {
    PrefetchUnavailableException e =
        assertThrows(
            PrefetchUnavailableException.class,
            () -> SERVICE.gather(DEFINITION, request(false), "p1", r -> true, s -> false));
    assertEquals(
        "Required data not available: patient (not prefetched and no fhirServer was given).",
        e.getMessage());
  }

  @Test
  void rendersContextAndUserTokens() throws Exception {
    CdsRequest request = request(true);
    assertEquals(
        Optional.of("Practitioner/123"),
        PrefetchTemplates.render("Practitioner/{{userPractitionerId}}", request));
    assertEquals(
        Optional.of("Observation?patient=p1&code=http://loinc.org|2093-3"),
        PrefetchTemplates.render(
            "Observation?patient={{context.patientId}}&code=http://loinc.org|2093-3", request));
    assertEquals(
        Optional.empty(),
        PrefetchTemplates.render("Patient/{{userPatientId}}", request),
        "the user is a practitioner, not a patient");
  }

  private static CdsRequest request(boolean withPatient) throws Exception {
    String prefetch =
        withPatient
            ? ",\"prefetch\":{\"patient\":{\"resourceType\":\"Patient\",\"id\":\"p1\"}}"
            : "";
    JsonNode json =
        JSON.readTree(
            "{\"hook\":\"patient-view\",\"hookInstance\":\"h\",\"context\":"
                + "{\"userId\":\"Practitioner/123\",\"patientId\":\"p1\"}"
                + prefetch
                + "}");
    return JSON.treeToValue(json, CdsRequest.class);
  }

  private static FhirConfig config() {
    return new FhirConfig() {
      @Override
      public Optional<List<String>> allowedServers() {
        return Optional.empty();
      }

      @Override
      public Duration deadline() {
        return Duration.ofSeconds(1);
      }

      @Override
      public Map<String, Duration> hookDeadline() {
        return Map.of();
      }

      @Override
      public Duration callTimeout() {
        return Duration.ofSeconds(1);
      }

      @Override
      public int maxPages() {
        return 5;
      }

      @Override
      public Breaker circuitBreaker() {
        return null;
      }
    };
  }
}
