package dev.clarion.cds;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.support.KeycloakTestResource;
import dev.clarion.support.Sql;
import dev.clarion.support.TestEhr;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A new model version is activated without a rebuild or restart — by an integrator, or by the
 * folder watcher — and a broken one is refused with the file and field while the active version
 * keeps serving. Runs on the build's copy of the models ({@code target/test-models}), restored
 * afterwards.
 */
@QuarkusTest
class ModelReloadTest {

  static final Path KFRE = Path.of("target/test-models/kfre");

  @Inject DataSource db;

  static RequestSpecification integrator() {
    return given()
        .header("Authorization", "Bearer " + KeycloakTestResource.token("ivy", "ivy-password"));
  }

  static String shipped(String file) throws Exception {
    return Files.readString(Path.of("models/kfre").resolve(file));
  }

  @AfterEach
  void restore() throws Exception {
    for (String f : new String[] {"model.json", "binding.json"}) {
      Files.writeString(KFRE.resolve(f), shipped(f));
    }
    integrator().post("/admin/models/reload").then().statusCode(200);
  }

  @Test
  void anIntegratorActivatesANewVersionAndDecisionsNameIt() throws Exception {
    integrator().get("/admin/models").then().statusCode(200).body("kfre", equalTo("1.1.0"));
    Files.writeString(
        KFRE.resolve("model.json"),
        shipped("model.json").replace("\"version\": \"1.1.0\"", "\"version\": \"1.1.1\""));
    integrator()
        .post("/admin/models/reload")
        .then()
        .statusCode(200)
        .body("models.kfre", equalTo("1.1.1"));
    assertTrue(
        Integer.parseInt(
                Sql.single(
                    db,
                    "select count(*) from model_activation where actor = 'ivy'"
                        + " and models::text like '%\"version\": \"1.1.1\"%'"))
            >= 1,
        "the activation is recorded with who did it");

    ObjectNode request = KfreServiceTest.request(1.9, "mg/dL", 300.0);
    TestEhr.call("/cds-services/kfre", request);
    assertEquals(
        "1.1.1",
        Sql.single(
            db,
            "select model_version from decision where hook_instance = '"
                + request.get("hookInstance").asText()
                + "'"));
  }

  @Test
  void aBrokenVersionIsRefusedWithTheFileAndFieldAndTheActiveOneKeepsServing() throws Exception {
    Files.writeString(
        KFRE.resolve("model.json"),
        shipped("model.json").replace("\"version\": \"1.1.0\"", "\"version\": \"2.0.0\""));
    Files.writeString(
        KFRE.resolve("binding.json"), shipped("binding.json").replace("\"uacr\":", "\"uacr2\":"));
    integrator()
        .post("/admin/models/reload")
        .then()
        .statusCode(422)
        .body("issue[0].details.coding[0].code", equalTo("invalid-model-catalogue"))
        .body("issue[0].diagnostics", containsString("binding.json: field 'inputs.uacr2'"));
    integrator().get("/admin/models").then().statusCode(200).body("kfre", equalTo("1.1.0"));
    TestEhr.call("/cds-services/kfre", KfreServiceTest.request(1.9, "mg/dL", 300.0));
  }

  @Test
  void theFolderWatcherActivatesAChangedModelOnItsOwn() throws Exception {
    Files.writeString(
        KFRE.resolve("model.json"),
        shipped("model.json").replace("\"version\": \"1.1.0\"", "\"version\": \"1.1.2\""));
    String active = "";
    for (int i = 0; i < 100 && !active.equals("1.1.2"); i++) {
      Thread.sleep(100);
      active = integrator().get("/admin/models").then().extract().path("kfre");
    }
    assertEquals("1.1.2", active, "activated by the watcher within 10 s");
    assertTrue(
        Integer.parseInt(
                Sql.single(
                    db,
                    "select count(*) from model_activation where actor = 'folder watcher'"
                        + " and changes::text like '%1.1.2%'"))
            >= 1);
  }

  @Test
  void onlyIntegratorsMayReload() {
    given()
        .header("Authorization", "Bearer " + KeycloakTestResource.token("nora", "nora-password"))
        .post("/admin/models/reload")
        .then()
        .statusCode(403);
    given().post("/admin/models/reload").then().statusCode(401);
  }
}
