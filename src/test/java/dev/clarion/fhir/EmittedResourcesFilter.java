package dev.clarion.fhir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.callback.QuarkusTestBeforeEachCallback;
import io.quarkus.test.junit.callback.QuarkusTestMethodContext;
import io.restassured.RestAssured;
import io.restassured.filter.FilterContext;
import io.restassured.filter.OrderedFilter;
import io.restassured.response.Response;
import io.restassured.specification.FilterableRequestSpecification;
import io.restassured.specification.FilterableResponseSpecification;
import java.util.ArrayList;
import java.util.List;

/**
 * Validates every FHIR resource Clarion emits to a test that calls it through REST Assured: each
 * suggestion action's resource on a {@code /cds-services/…} response, and each entry of the audit
 * export Bundle — against Clarion's profiles, base R4 and US Core 6.1.0 ({@link FhirProfiles}). A
 * resource with an error fails the calling test with the resource's path in the response and the
 * validator's location. Registered before every {@code @QuarkusTest} method as a Quarkus test
 * callback ({@code META-INF/services}), in the application's class loader, where the test's REST
 * Assured lives.
 */
public final class EmittedResourcesFilter implements OrderedFilter, QuarkusTestBeforeEachCallback {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static volatile boolean registered;

  @Override
  public void beforeEach(QuarkusTestMethodContext context) {
    register();
  }

  static synchronized void register() {
    if (!registered) {
      RestAssured.filters(new EmittedResourcesFilter());
      registered = true;
      // Built and warmed now, before the first test method of this application runs: the
      // validator's first use (all definitions, snapshots of Clarion's profiles) takes 10 s or
      // more on a busy machine and must not land inside a test's own timeouts (OverloadTest waits
      // 10 s for held calls). What the warm-up resources lack does not matter.
      for (String type :
          List.of(
              "RiskAssessment:clarion-risk-assessment",
              "MedicationRequest:clarion-medicationrequest-proposal",
              "ServiceRequest:clarion-servicerequest-proposal",
              "AuditEvent:clarion-audit-event",
              "Provenance:clarion-provenance")) {
        String[] t = type.split(":");
        FhirProfiles.messages(
            "{\"resourceType\": \""
                + t[0]
                + "\", \"meta\": {\"profile\": [\"https://clarion.dev/fhir/StructureDefinition/"
                + t[1]
                + "\"]}}");
      }
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    String report =
                        "FHIR resources emitted through REST Assured and validated against"
                            + " fhir-profiles/, R4 and US Core 6.1.0: "
                            + FhirProfiles.VALIDATED.get()
                            + " ("
                            + FhirProfiles.distinct()
                            + " distinct after ids and times)\n";
                    System.out.print(report); // one line per application class loader
                  }));
    }
  }

  @Override
  public int getOrder() {
    return OrderedFilter.HIGHEST_PRECEDENCE;
  }

  @Override
  public Response filter(
      FilterableRequestSpecification request,
      FilterableResponseSpecification response,
      FilterContext ctx) {
    Response r = ctx.next(request, response);
    String path = request.getURI();
    boolean hook = path.contains("/cds-services/") && !path.contains("/feedback");
    boolean export = path.contains("/audit/export");
    if ((hook || export) && r.statusCode() == 200 && r.contentType().contains("json")) {
      List<String> errors = errors(r.asString());
      if (!errors.isEmpty()) {
        throw new AssertionError(
            "Emitted FHIR resources do not validate against fhir-profiles/ ("
                + path
                + "):\n  "
                + String.join("\n  ", errors));
      }
    }
    return r;
  }

  /** The errors of every resource a CDS Hooks response or an audit export Bundle carries. */
  public static List<String> errors(String body) {
    List<String> errors = new ArrayList<>();
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (Exception e) {
      return errors; // not JSON: not ours to check here
    }
    if ("Bundle".equals(root.path("resourceType").asText())) {
      JsonNode entries = root.path("entry");
      for (int i = 0; i < entries.size(); i++) {
        check(entries.get(i).path("resource"), "entry[" + i + "].resource", errors);
      }
      return errors;
    }
    JsonNode cards = root.path("cards");
    for (int c = 0; c < cards.size(); c++) {
      JsonNode suggestions = cards.get(c).path("suggestions");
      for (int s = 0; s < suggestions.size(); s++) {
        JsonNode actions = suggestions.get(s).path("actions");
        for (int a = 0; a < actions.size(); a++) {
          JsonNode resource = actions.get(a).path("resource");
          if (resource.isObject()) {
            check(
                resource,
                "cards[" + c + "].suggestions[" + s + "].actions[" + a + "].resource",
                errors);
          }
        }
      }
    }
    return errors;
  }

  private static void check(JsonNode resource, String at, List<String> errors) {
    for (String e : FhirProfiles.errors(resource.toString())) {
      errors.add(at + " (" + resource.path("resourceType").asText() + ") " + e);
    }
  }
}
