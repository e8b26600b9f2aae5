package dev.clarion.cds;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.support.Browser;
import dev.clarion.support.DicomFiles;
import dev.clarion.support.Fixtures;
import dev.clarion.support.OrthancResource;
import dev.clarion.support.Sql;
import dev.clarion.support.SyntheticStudies;
import dev.clarion.support.TestEhr;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.imageio.ImageIO;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The imaging service end to end, as an EHR calls it: a signed patient-view call whose prefetch
 * holds the patient's ImagingStudy and its DICOMweb Endpoint; Clarion reads the image from a real
 * PACS (Orthanc, loaded with synthetic DICOM files the test writes), scores it with the
 * demonstration CNN and its occlusion map, answers with a card that says it is a demonstration,
 * records the decision (UIDs, pixel hash, saliency grid; never the image), and its explanation page
 * — opened in headless Chromium — shows the image with the overlay, and warns when the image in the
 * PACS has changed. Also: a study of the wrong modality, an endpoint not registered for the client,
 * and a PACS that is down — each a recorded refusal within the deadline.
 */
@QuarkusTest
@TestProfile(ImagingServiceTest.ImagingOn.class)
class ImagingServiceTest {

  /** Imaging services on, with the tests' Orthanc registered as the endpoint {@code pacs}. */
  public static class ImagingOn implements QuarkusTestProfile {
    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(new TestResourceEntry(OrthancResource.class));
    }
  }

  static final String HOOK = "/cds-services/lesion-demo";
  static final String ROOT = "1.2.826.0.1.3680043.10.1234.7";

  @Inject DataSource db;

  static int[] heldOut(int index) {
    return SyntheticStudies.heldOut(index);
  }

  /** Stores one synthetic chest image (held-out image {@code index}) as study {@code n}. */
  static String store(int n, int index, String modality) throws Exception {
    String study = ROOT + n;
    OrthancResource.pacs.store(
        DicomFiles.write(SyntheticStudies.chest(study, "" + n, modality, heldOut(index))));
    return study;
  }

  /** A patient-view request whose prefetch holds one ImagingStudy and its Endpoint. */
  static ObjectNode request(String patientId, String studyUid, String address, String modality) {
    ObjectNode r = Fixtures.JSON.createObjectNode();
    r.put("hook", "patient-view").put("hookInstance", UUID.randomUUID().toString());
    r.putObject("context").put("userId", "Practitioner/1").put("patientId", patientId);
    ObjectNode prefetch = r.putObject("prefetch");
    prefetch
        .putObject("patient")
        .put("resourceType", "Patient")
        .put("id", patientId)
        .put("gender", "female")
        .put("birthDate", "1971-05-04");
    ObjectNode bundle =
        prefetch.putObject("studies").put("resourceType", "Bundle").put("type", "searchset");
    ArrayNode entries = bundle.putArray("entry");
    ObjectNode study =
        entries
            .addObject()
            .putObject("resource")
            .put("resourceType", "ImagingStudy")
            .put("id", "study-" + patientId)
            .put("status", "available")
            .put("started", "2026-12-01T10:00:00Z");
    study.putObject("subject").put("reference", "Patient/" + patientId);
    study
        .putArray("modality")
        .addObject()
        .put("system", "http://dicom.nema.org/resources/ontology/DCM")
        .put("code", modality);
    study
        .putArray("identifier")
        .addObject()
        .put("system", "urn:dicom:uid")
        .put("value", "urn:oid:" + studyUid);
    study.putArray("endpoint").addObject().put("reference", "Endpoint/pacs-" + patientId);
    ObjectNode endpoint =
        entries
            .addObject()
            .putObject("resource")
            .put("resourceType", "Endpoint")
            .put("id", "pacs-" + patientId)
            .put("status", "active")
            .put("address", address);
    endpoint
        .putObject("connectionType")
        .put("system", "http://terminology.hl7.org/CodeSystem/endpoint-connection-type")
        .put("code", "dicom-wado-rs");
    endpoint.putArray("payloadType").addObject().put("text", "DICOM");
    return r;
  }

  static JsonNode call(ObjectNode request) throws Exception {
    return Fixtures.JSON.readTree(TestEhr.call(HOOK, request).extract().asString());
  }

  @Test
  void aStudyIsReadScoredExplainedRecordedAndItsPageShowsTheOverlay() throws Exception {
    String study = store(1, 2, "DX"); // held-out image 2: a simulated lesion
    ObjectNode request = request("img-1", study, OrthancResource.pacs.dicomWeb(), "DX");
    JsonNode card = call(request).at("/cards/0");
    assertTrue(card.get("summary").asText().startsWith("Simulated lesion likely: "), card + "");
    assertTrue(card.get("summary").asText().contains("DEMONSTRATION model, not for clinical use"));
    assertEquals("warning", card.get("indicator").asText());
    assertTrue(card.get("detail").asText().contains("Not for clinical use"));
    assertTrue(card.get("detail").asText().contains("not patient laterality"));
    String link = card.at("/links/0/url").asText();
    assertTrue(link.contains("/explanations/"), link);

    assertEquals("SCORED", Sql.decision(db, request, "outcome"));
    JsonNode recorded = Fixtures.JSON.readTree(Sql.decision(db, request, "imaging::text"));
    assertEquals(study, recorded.at("/image/studyUid").asText());
    assertEquals(study + ".1", recorded.at("/image/seriesUid").asText());
    assertEquals(study + ".1.1", recorded.at("/image/sopUid").asText());
    assertEquals(OrthancResource.pacs.dicomWeb(), recorded.at("/image/endpoint").asText());
    assertEquals(64, recorded.at("/image/pixelSha256").asText().length());
    assertEquals("lesion-demo", recorded.at("/model/id").asText());
    assertEquals(225, recorded.at("/saliency/drops").size());
    String text = recorded.toString();
    assertFalse(text.contains("Synthetic^Patient") || text.contains("Basic "), "no PHI, no secret");
    assertEquals("lesion-demo", Sql.decision(db, request, "model_id"));

    JsonNode seen = Browser.run("imaging-page.mjs", Map.of("LINK", link, "SHOT", "imaging.png"));
    assertEquals(200, seen.get("status").asInt());
    assertTrue(seen.get("notice").asText().contains("Not for clinical use"));
    assertTrue(card.get("summary").asText().contains(seen.get("probability").asText()));
    assertTrue(seen.get("overlayLoaded").asBoolean(), "the overlay PNG is drawn");
    assertTrue(seen.get("warning").isNull(), "the image is unchanged: " + seen.get("warning"));
    assertTrue(seen.get("imageText").asText().contains(study + ".1.1"));
    assertTrue(seen.get("preprocessingText").asText().contains("1.0.0"));
    BufferedImage shot = ImageIO.read(Browser.OUT.resolve("imaging.png").toFile());
    int red = 0;
    JsonNode box = seen.get("overlayBox");
    for (int y = box.get("y").asInt(); y < box.get("y").asInt() + box.get("height").asInt(); y++) {
      for (int x = box.get("x").asInt(); x < box.get("x").asInt() + box.get("width").asInt(); x++) {
        int p = shot.getRGB(x, y);
        if (((p >> 16) & 0xff) > ((p >> 8) & 0xff) + 80) {
          red++;
        }
      }
    }
    assertTrue(red > 500, "the heat map is painted over the image: " + red + " red pixels");
  }

  @Test
  void auditorsFindTheImagingDecisionAndTheChainStillVerifies() throws Exception {
    String study = store(5, 2, "DX");
    ObjectNode request = request("img-8", study, OrthancResource.pacs.dicomWeb(), "DX");
    call(request);
    String id = Sql.decision(db, request, "id");
    io.restassured.specification.RequestSpecification auditor =
        given()
            .header(
                "Authorization",
                "Bearer "
                    + dev.clarion.support.KeycloakTestResource.token("aldo", "aldo-password"));
    auditor
        .get("/audit/decisions/" + id)
        .then()
        .statusCode(200)
        .body("decision.imaging.image.sopUid", org.hamcrest.Matchers.equalTo(study + ".1.1"));
    given()
        .header(
            "Authorization",
            "Bearer " + dev.clarion.support.KeycloakTestResource.token("aldo", "aldo-password"))
        .get("/audit/decisions/" + id + "/replay")
        .then()
        .statusCode(409)
        .body(
            "issue[0].details.coding[0].code",
            org.hamcrest.Matchers.equalTo("imaging-not-replayable"));
    given()
        .header(
            "Authorization",
            "Bearer " + dev.clarion.support.KeycloakTestResource.token("aldo", "aldo-password"))
        .queryParam("service", "lesion-demo")
        .get("/audit/monitoring")
        .then()
        .statusCode(200);
    given()
        .header(
            "Authorization",
            "Bearer " + dev.clarion.support.KeycloakTestResource.token("aldo", "aldo-password"))
        .get("/audit/export")
        .then()
        .statusCode(200);
    given()
        .header(
            "Authorization",
            "Bearer " + dev.clarion.support.KeycloakTestResource.token("aldo", "aldo-password"))
        .get("/audit/chain")
        .then()
        .statusCode(200)
        .body("intact", org.hamcrest.Matchers.equalTo(true));
  }

  @Test
  void thePageWarnsWhenTheImageInThePacsHasChanged() throws Exception {
    String study = store(2, 3, "DX");
    ObjectNode request = request("img-2", study, OrthancResource.pacs.dicomWeb(), "DX");
    JsonNode card = call(request).at("/cards/0");
    String link = card.at("/links/0/url").asText();
    // held-out image 3 scores 0.9998: never shown as a certainty, on the card or the page
    assertTrue(card.get("summary").asText().contains("> 99.9 %"), card + "");
    // The PACS now holds other pixels under the same UIDs
    OrthancResource.pacs.store(
        DicomFiles.write(SyntheticStudies.chest(study, "2", "DX", heldOut(4))));
    JsonNode seen =
        Browser.run("imaging-page.mjs", Map.of("LINK", link, "SHOT", "imaging-changed.png"));
    assertNotNull(seen.get("warning").textValue(), "a warning");
    assertTrue(seen.get("warning").asText().contains("pixel hash no longer matches"), seen + "");
    assertEquals("> 99.9 %", seen.get("probability").asText());
  }

  @Test
  void aStudyOfAnotherModalityIsRefusedWithACardThatSaysWhy() throws Exception {
    String study = store(3, 4, "CR");
    // The EHR says DX, the PACS holds CR: the PACS is the truth, and CR is accepted
    ObjectNode ok = request("img-3", study, OrthancResource.pacs.dicomWeb(), "DX");
    assertEquals(1, call(ok).get("cards").size());
    String mr = ROOT + "4";
    OrthancResource.pacs.store(DicomFiles.write(SyntheticStudies.chest(mr, "4", "MR", heldOut(5))));
    ObjectNode request = request("img-4", mr, OrthancResource.pacs.dicomWeb(), "DX");
    JsonNode card = call(request).at("/cards/0");
    assertTrue(card.get("summary").asText().contains("not calculated"), card + "");
    assertTrue(card.get("detail").asText().contains("MR"), card + "");
    assertEquals("REFUSED", Sql.decision(db, request, "outcome"));
    assertEquals("no-matching-series", Sql.decision(db, request, "reason_code"));
    assertNull(Sql.decision(db, request, "imaging"));
  }

  @Test
  void anEndpointNotRegisteredForTheClientIsNeverCalled() throws Exception {
    ObjectNode request =
        request("img-5", ROOT + "1", "http://pacs.elsewhere.example/dicom-web", "DX");
    JsonNode response = call(request);
    assertEquals(0, response.get("cards").size(), "no card: an integration problem, recorded");
    assertEquals("REFUSED", Sql.decision(db, request, "outcome"));
    assertEquals("endpoint-not-allowed", Sql.decision(db, request, "reason_code"));
  }

  @Test
  void aPacsThatIsDownGivesACardSayingTheResultIsMissing() throws Exception {
    ObjectNode request = request("img-6", ROOT + "1", "http://127.0.0.1:9/dicom-web", "DX");
    long t0 = System.nanoTime();
    JsonNode card = call(request).at("/cards/0");
    assertTrue((System.nanoTime() - t0) / 1_000_000 < 3_000, "within the deadline");
    assertTrue(card.get("detail").asText().contains("PACS"), card + "");
    assertEquals("pacs-unavailable", Sql.decision(db, request, "reason_code"));
  }

  @Test
  void aSlowPacsIsCutOffAtTheDeadlineWithACardSayingSo() throws Exception {
    String slow = "http://127.0.0.1:" + OrthancResource.slow.getAddress().getPort() + "/dicom-web";
    ObjectNode request = request("img-9", ROOT + "1", slow, "DX");
    long t0 = System.nanoTime();
    JsonNode card = call(request).at("/cards/0");
    long took = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(took < 2_500, "answered after " + took + " ms with a 1 s DICOMweb deadline");
    assertTrue(card.get("detail").asText().contains("did not answer in time"), card + "");
    assertEquals("pacs-timeout", Sql.decision(db, request, "reason_code"));
  }

  @Test
  void pixelDataInASyntaxThePathDoesNotReadGivesACardNamingIt() throws Exception {
    String study = ROOT + "10";
    OrthancResource.pacs.store(
        DicomFiles.writeEncapsulated(
            SyntheticStudies.chest(study, "10", "DX", heldOut(6)),
            "1.2.840.10008.1.2.4.90",
            "not a JPEG 2000 codestream".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    ObjectNode request = request("img-10", study, OrthancResource.pacs.dicomWeb(), "DX");
    JsonNode card = call(request).at("/cards/0");
    assertTrue(card.get("detail").asText().contains("1.2.840.10008.1.2.4.90"), card + "");
    assertEquals("unsupported-transfer-syntax", Sql.decision(db, request, "reason_code"));
  }

  @Test
  void aPatientWithoutAStudyGetsNoCard() throws Exception {
    ObjectNode request = request("img-7", ROOT + "1", OrthancResource.pacs.dicomWeb(), "DX");
    ((ObjectNode) request.at("/prefetch")).putNull("studies");
    assertEquals(0, call(request).get("cards").size());
    assertEquals("no-study", Sql.decision(db, request, "reason_code"));
  }

  @Test
  void theServiceIsInDiscovery() {
    TestEhr.signed("/cds-services")
        .get("/cds-services")
        .then()
        .statusCode(200)
        .body("services.id", org.hamcrest.Matchers.hasItem("lesion-demo"));
  }
}
