package dev.clarion.security;

import static io.restassured.RestAssured.given;

import dev.clarion.support.KeycloakTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every staff route against a real Keycloak: no token 401, tampered token 401, wrong role 403,
 * right role 2xx/404 (authorized; 404 where the id does not exist).
 */
@QuarkusTest
@QuarkusTestResource(value = KeycloakTestResource.class, restrictToAnnotatedClass = false)
class StaffRoleMatrixTest {

  record Route(String method, String path, String role, String body) {
    @Override
    public String toString() {
      return method + " " + path;
    }
  }

  static final String REGISTRATION =
      """
      {"iss": "https://matrix.example.org", "name": "Matrix EHR",
       "jwks": %s, "services": ["ascvd-risk"]}
      """;

  static Stream<Arguments> routes() {
    String unknown = "/admin/clients/" + UUID.randomUUID();
    String jwks =
        dev.clarion.support.TestEhr.publicJwks(dev.clarion.support.TestEhr.ES384).toString();
    return Stream.of(
            new Route("GET", "/admin/clients", "integrator", null),
            new Route("POST", "/admin/clients", "integrator", REGISTRATION.formatted(jwks)),
            new Route("GET", unknown, "integrator", null),
            new Route("PUT", unknown, "integrator", REGISTRATION.formatted(jwks)),
            new Route("POST", unknown + "/disable", "integrator", null),
            new Route("POST", unknown + "/enable", "integrator", null),
            new Route("PUT", unknown + "/services/ascvd-risk", "integrator", null),
            new Route("DELETE", unknown + "/services/ascvd-risk", "integrator", null),
            new Route("GET", unknown + "/changes", "integrator", null),
            new Route("GET", "/audit/decisions/" + UUID.randomUUID(), "auditor", null),
            new Route("GET", "/audit/chain", "auditor", null),
            new Route("GET", "/audit/chain/key", "auditor", null),
            new Route("POST", "/audit/chain/checkpoints", "auditor", null),
            new Route("GET", "/audit/decisions", "auditor", null),
            new Route("GET", "/audit/export?format=csv", "auditor", null),
            new Route("GET", "/audit/monitoring", "auditor", null),
            new Route("GET", "/audit/decisions/" + UUID.randomUUID() + "/replay", "auditor", null))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("routes")
  void onlyTheRightRoleGetsIn(Route route) {
    String integrator = KeycloakTestResource.token("ivy", "ivy-password");
    String auditor = KeycloakTestResource.token("aldo", "aldo-password");
    String nobody = KeycloakTestResource.token("nora", "nora-password");
    String right = route.role().equals("integrator") ? integrator : auditor;
    String wrong = route.role().equals("integrator") ? auditor : integrator;

    call(route, null).then().statusCode(401);
    call(route, tamper(right)).then().statusCode(401);
    call(route, nobody).then().statusCode(403);
    call(route, wrong).then().statusCode(403);
    int status = call(route, right).then().extract().statusCode();
    org.junit.jupiter.api.Assertions.assertTrue(
        status == 200 || status == 201 || status == 404 || status == 409,
        route + " with the right role answered " + status);
  }

  static io.restassured.response.Response call(Route route, String token) {
    var request = given().contentType("application/json");
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (route.body() != null) {
      request.body(route.body());
    }
    return request.request(route.method(), route.path());
  }

  /** Flips one character of the payload: the signature no longer matches. */
  static String tamper(String jwt) {
    String[] parts = jwt.split("\\.");
    char[] payload = parts[1].toCharArray();
    int i = payload.length / 2;
    payload[i] = payload[i] == 'A' ? 'B' : 'A';
    return parts[0] + "." + new String(payload) + "." + parts[2];
  }
}
