package dev.clarion.cds;

import static org.hamcrest.Matchers.not;

import dev.clarion.support.Fixtures;
import dev.clarion.support.TestEhr;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * The imaging service runs a demonstration model: unless {@code clarion.imaging.enabled} is set it
 * is not offered — not in discovery, and a call gets 404.
 */
@QuarkusTest
class ImagingOffByDefaultTest {

  @Test
  void theImagingServiceIsNotOfferedUnlessTurnedOn() {
    TestEhr.signed("/cds-services")
        .get("/cds-services")
        .then()
        .statusCode(200)
        .body("services.id", not(org.hamcrest.Matchers.hasItem("lesion-demo")));
    TestEhr.signed("/cds-services/lesion-demo")
        .contentType("application/json")
        .body(Fixtures.text(Fixtures.request("cds/patient_view_synthea_scored.json")))
        .post("/cds-services/lesion-demo")
        .then()
        .statusCode(404);
  }
}
