package dev.clarion.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The decision record survives a backup and restore: a populated database (decisions chained and
 * sealed, a checkpoint published outside it) is backed up as a base backup of its data directory,
 * restored into a fresh PostgreSQL, and the packaged server on the restored copy finds {@code
 * /audit/chain} intact up to the published checkpoint, with every decision, and chains new
 * decisions on from where the backup ended. (In Kubernetes, CloudNativePG restores its base backup
 * plus archived WAL into a new Cluster the same way: README "Backup and restore".)
 */
class BackupRestoreTest {

  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aRestoredBaseBackupKeepsTheChainIntact() throws Exception {
    Path source = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "backup-source");
    Path restored =
        Files.createTempDirectory(Path.of("target").toAbsolutePath(), "backup-restored");
    Path checkpoints =
        Files.createTempDirectory(Path.of("target").toAbsolutePath(), "backup-checkpoints");
    List<String> common =
        List.of(
            "clarion.audit.checkpoint.directory=" + checkpoints,
            // The EHR is registered in the database after start: re-read registrations soon.
            "clarion.security.registration-refresh=1s",
            "clarion.explanations.link-secret=" + "l".repeat(40));
    try (KeycloakProcess keycloak = KeycloakProcess.start()) {
      String auditor = keycloak.token("aldo", "aldo-password");
      // 1. A populated database: three decisions, a checkpoint published.
      try (EmbeddedPostgres db = start(source, false)) {
        try (ClarionProcess app =
            ClarionProcess.start("backup-source", props(db, keycloak, common))) {
          try (Connection c = db.getPostgresDatabase().getConnection()) {
            ClientKeys.register(c);
          }
          Thread.sleep(1500);
          for (int i = 0; i < 3; i++) {
            assertEquals(200, hook(app).statusCode());
          }
          HttpResponse<String> published =
              ApplicationRoleTest.staff(
                  app.url("/audit/chain/checkpoints"), auditor, "POST", "", null);
          assertEquals(200, published.statusCode(), published.body());
        }
      } // PostgreSQL shut down cleanly: its data directory is a consistent base backup.
      copy(source, restored);

      // 2. Restored into a fresh PostgreSQL (another process, another port).
      try (EmbeddedPostgres db = start(restored, false);
          ClarionProcess app =
              ClarionProcess.start(
                  // The same launch name: the same signing key, so the seals verify.
                  "backup-source", props(db, keycloak, common))) {
        JsonNode chain = chain(app, auditor);
        assertTrue(chain.path("intact").asBoolean(), chain.toString());
        assertEquals(3, chain.path("verified").asInt(), chain.toString());
        assertEquals(0, chain.path("checkpoint").path("appendedSince").asInt(-1), chain.toString());
        HttpResponse<String> search =
            ApplicationRoleTest.staff(app.url("/audit/decisions"), auditor, "GET", null, null);
        assertEquals(3, JSON.readTree(search.body()).path("total").asInt(), search.body());
        // New decisions chain on from the restored head.
        assertEquals(200, hook(app).statusCode());
        JsonNode after = chain(app, auditor);
        assertTrue(after.path("intact").asBoolean(), after.toString());
        assertEquals(4, after.path("verified").asInt(), after.toString());
      }
    }
  }

  static EmbeddedPostgres start(Path dataDir, boolean clean) throws IOException {
    return EmbeddedPostgres.builder()
        .setDataDirectory(dataDir)
        .setCleanDataDirectory(clean)
        .start();
  }

  static List<String> props(EmbeddedPostgres db, KeycloakProcess keycloak, List<String> more) {
    return ApplicationRoleTest.concat(
        List.of(
            "quarkus.datasource.jdbc.url=jdbc:postgresql://localhost:" + db.getPort() + "/postgres",
            "quarkus.datasource.username=postgres",
            "quarkus.oidc.auth-server-url=" + keycloak.realmUrl),
        more);
  }

  static HttpResponse<String> hook(ClarionProcess app) throws Exception {
    String body =
        Files.readString(ClarionProcess.ROOT.resolve(ApplicationRoleTest.REQUEST))
            .replace("d1577c69-dfbe-44ad-ba6d-3e05e953b2ea", UUID.randomUUID().toString());
    return ApplicationRoleTest.post(app.url("/cds-services/ascvd-risk"), body);
  }

  static JsonNode chain(ClarionProcess app, String auditor) throws Exception {
    HttpResponse<String> chain =
        ApplicationRoleTest.staff(app.url("/audit/chain"), auditor, "GET", null, null);
    assertEquals(200, chain.statusCode(), chain.body());
    return JSON.readTree(chain.body());
  }

  static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : all.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(
              p, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }
}
