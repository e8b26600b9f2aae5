package dev.clarion.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The packaged server's trust defaults: the embedded run (the README's run command) accepts
 * unsigned calls from loopback and keeps the staff APIs closed without Keycloak; a production run
 * (a real database) refuses to start if told to accept unsigned calls.
 */
class PackagedServerTrustTest {

  static final String REQUEST = "src/test/resources/cds/patient_view_synthea_scored.json";

  @Test
  void embeddedRunAcceptsUnsignedLoopbackCallsAndKeepsStaffApisClosed() throws Exception {
    Path data = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "embedded-pg-");
    try (ClarionProcess clarion =
        ClarionProcess.start("clarion-embedded", List.of("clarion.embedded-db.dir=" + data))) {
      String body = Files.readString(ClarionProcess.ROOT.resolve(REQUEST));
      HttpResponse<String> hook =
          ClarionProcess.HTTP.send(
              HttpRequest.newBuilder(URI.create(clarion.url("/cds-services/ascvd-risk")))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, hook.statusCode(), hook.body());
      assertTrue(hook.body().contains("10-year ASCVD risk"), hook.body());
      assertTrue(
          clarion.output().contains("UNSIGNED CDS HOOKS CALLS ARE ACCEPTED"),
          "the embedded run says so loudly");

      HttpResponse<String> admin =
          ClarionProcess.HTTP.send(
              HttpRequest.newBuilder(URI.create(clarion.url("/admin/clients")))
                  .header("Authorization", "Bearer some.staff.token")
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(401, admin.statusCode(), "no Keycloak configured: staff APIs closed");
    }
  }

  @Test
  void staffCallsGet503WhileKeycloakIsUnreachable() throws Exception {
    Path data = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "embedded-pg-");
    String deadKeycloak = "http://127.0.0.1:" + ClarionProcess.freePort() + "/realms/clarion";
    try (ClarionProcess clarion =
        ClarionProcess.start(
            "clarion-keycloak-down",
            List.of(
                "clarion.embedded-db.dir=" + data,
                "quarkus.oidc.auth-server-url=" + deadKeycloak))) {
      HttpResponse<String> withToken =
          ClarionProcess.HTTP.send(
              HttpRequest.newBuilder(URI.create(clarion.url("/admin/clients")))
                  .header("Authorization", "Bearer some.staff.token")
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(503, withToken.statusCode(), withToken.body());
      assertTrue(withToken.body().contains("identity-provider-unavailable"), withToken.body());
      HttpResponse<String> withoutToken =
          ClarionProcess.HTTP.send(
              HttpRequest.newBuilder(URI.create(clarion.url("/admin/clients"))).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(401, withoutToken.statusCode());
    }
  }

  @Test
  void productionRunRefusesToStartWithoutItsPublicBaseUrl() throws Exception {
    assertProductionRunRefusesToStart(
        "clarion-no-public-url",
        "clarion.cds.public-base-url=",
        "clarion.cds.public-base-url (CLARION_CDS_PUBLIC_BASE_URL) is required for a production"
            + " run");
  }

  @Test
  void productionRunRefusesToStartWithoutTheChainsSigningKey() throws Exception {
    assertProductionRunRefusesToStart(
        "clarion-no-signing-key",
        "clarion.audit.signing-key=",
        "clarion.audit.signing-key (CLARION_AUDIT_SIGNING_KEY) is required");
  }

  @Test
  void productionRunRefusesToCreateItsOwnSigningKey() throws Exception {
    // Each replica would seal with a key of its own; the others could not verify its seals.
    assertProductionRunRefusesToStart(
        "clarion-create-signing-key",
        "clarion.audit.signing-key-create=true",
        "clarion.audit.signing-key-create is for the embedded run");
  }

  @Test
  void productionRunRefusesToStartWithUnsignedLoopbackCalls() throws Exception {
    assertProductionRunRefusesToStart(
        "clarion-unsigned-prod",
        "clarion.security.unsigned-loopback=true",
        "unsigned-loopback=true is only allowed in the embedded run");
  }

  @Test
  void severalReplicasRefuseToStartWithoutTheLinkSecret() throws Exception {
    // Each replica would sign explanation links with a key of its own.
    assertProductionRunRefusesToStart(
        "clarion-replicas-no-link-secret",
        List.of("clarion.deployment.max-replicas=3"),
        "clarion.deployment.max-replicas is 3: every replica needs the same secrets (32+"
            + " characters), and these are not set: CLARION_EXPLANATIONS_LINK_SECRET");
  }

  @Test
  void severalReplicasRefuseToStartWithoutTheStaffSessionSecret() throws Exception {
    // A sign-in to the auditor page would hold only on the replica that made it.
    assertProductionRunRefusesToStart(
        "clarion-replicas-no-session-secret",
        List.of(
            "clarion.deployment.max-replicas=3",
            "clarion.explanations.link-secret=" + "l".repeat(40),
            "quarkus.oidc.auth-server-url=http://127.0.0.1:9/realms/clarion"),
        "these are not set: CLARION_STAFF_SESSION_SECRET");
  }

  /** A production run (a real database) with {@code property} stops by itself, saying why. */
  static void assertProductionRunRefusesToStart(String name, String property, String message)
      throws Exception {
    assertProductionRunRefusesToStart(name, List.of(property), message);
  }

  static void assertProductionRunRefusesToStart(
      String name, List<String> properties, String message) throws Exception {
    try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
      List<String> all = new java.util.ArrayList<>(properties);
      all.add("quarkus.datasource.jdbc.url=" + postgres.getJdbcUrl("postgres", "postgres"));
      all.add("quarkus.datasource.username=postgres");
      ClarionProcess clarion = ClarionProcess.launch(name, all);
      try {
        assertTrue(clarion.process.waitFor(90, TimeUnit.SECONDS), "Clarion must stop by itself");
        assertNotEquals(0, clarion.process.exitValue());
        assertTrue(clarion.output().contains(message), clarion.output());
      } finally {
        clarion.close();
      }
    }
  }
}
