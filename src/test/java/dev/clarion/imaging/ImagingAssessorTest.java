package dev.clarion.imaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.support.DicomFiles;
import dev.clarion.support.Orthanc;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One study scored end to end in the application: an ImagingStudy's endpoint resolved through the
 * allowlist of the calling client, the image read from a real PACS (Orthanc), the demonstration CNN
 * and its occlusion map; the card text says it is a demonstration and where the model looked; the
 * record part keeps identifiers, a pixel hash and the saliency grid — never pixels or the patient's
 * name.
 */
@QuarkusTest
class ImagingAssessorTest {

  static final String EHR = "https://ehr.example.org";
  static Orthanc pacs;
  static HeldOut heldOut;

  @Inject ImagingAssessor assessor;
  @Inject ImageModels models;
  @Inject ObjectMapper mapper;

  @BeforeAll
  static void start() throws Exception {
    pacs = Orthanc.start("assessor");
    heldOut = HeldOut.read();
  }

  @AfterAll
  static void stop() throws Exception {
    pacs.close();
  }

  ImagingEndpoints endpoints() {
    return new ImagingEndpoints(
        List.of(
            new ImagingEndpoints.Registered(
                pacs.dicomWeb() + "/", Orthanc.AUTHORIZATION, List.of(EHR))));
  }

  @Test
  void onlyAnEndpointRegisteredForTheCallerIsRead() {
    ImagingEndpoints e = endpoints();
    assertTrue(e.forCaller(pacs.dicomWeb(), EHR).isPresent());
    assertTrue(e.forCaller(pacs.dicomWeb() + "/", EHR).isPresent(), "trailing slash");
    assertFalse(e.forCaller(pacs.dicomWeb(), "https://other-ehr.example.org").isPresent());
    assertFalse(e.forCaller("http://attacker.example/dicom-web", EHR).isPresent());
    assertFalse(e.forCaller(pacs.dicomWeb(), ImagingEndpoints.LOOPBACK).isPresent());
  }

  @Test
  void aStudyWithASimulatedLesionIsScoredExplainedAndLabelledADemonstration() throws Exception {
    int index = 2;
    DicomFiles.Instance i = DicomWebRetrievalTest.chest(101, index);
    pacs.store(DicomFiles.write(i));
    ImageModel model = models.find("lesion-demo").orElseThrow();
    ImagingResult r =
        assessor.assess(
            model,
            endpoints().forCaller(pacs.dicomWeb(), EHR).orElseThrow(),
            i.studyUid(),
            System.nanoTime() + Duration.ofSeconds(5).toNanos());
    double recipe =
        mapper
            .readTree(HeldOut.FOLDER.resolve("heldout/reference.json").toFile())
            .get("probabilities")
            .get(index)
            .asDouble();
    assertEquals(recipe, r.probability(), 1e-4);
    assertEquals("high", r.band().code());
    HeldOut.Lesion lesion = heldOut.lesions().get(index);
    double[] at = r.strongestInImage();
    assertTrue(
        Math.hypot(at[0] - lesion.row(), at[1] - lesion.col()) <= lesion.radius() + 4,
        "the strongest region is on the lesion");

    assertTrue(r.summary().startsWith("Simulated lesion likely: "), r.summary());
    assertTrue(r.summary().contains("DEMONSTRATION model, not for clinical use"), r.summary());
    assertTrue(r.summary().length() <= 140);
    assertTrue(r.detail().contains("Not for clinical use"), r.detail());
    assertTrue(r.detail().contains("not patient laterality"), r.detail());

    JsonNode record = r.toJson(mapper);
    assertEquals(i.studyUid(), record.at("/image/studyUid").asText());
    assertEquals(i.seriesUid(), record.at("/image/seriesUid").asText());
    assertEquals(i.sopUid(), record.at("/image/sopUid").asText());
    assertEquals(64, record.at("/image/pixelSha256").asText().length());
    assertEquals(model.sha256(), record.at("/model/sha256").asText());
    assertEquals("1.0.0", record.at("/preprocessing/version").asText());
    assertEquals(225, record.at("/saliency/drops").size());
    String text = mapper.writeValueAsString(record);
    assertFalse(text.contains("Synthetic^Patient") || text.contains("SYN-101"), "no patient data");
    assertTrue(
        text.length() < 4_000, "identifiers, a hash and a grid — not the image: " + text.length());
  }

  @Test
  void aStudyWithoutALesionIsLowAndStillExplained() throws Exception {
    int index = 0; // no lesion
    DicomFiles.Instance i = DicomWebRetrievalTest.chest(102, index);
    pacs.store(DicomFiles.write(i));
    ImagingResult r =
        assessor.assess(
            models.find("lesion-demo").orElseThrow(),
            endpoints().forCaller(pacs.dicomWeb(), EHR).orElseThrow(),
            i.studyUid(),
            System.nanoTime() + Duration.ofSeconds(5).toNanos());
    assertEquals("low", r.band().code());
    assertTrue(r.summary().startsWith("No simulated lesion found: "), r.summary());
  }

  @Test
  void aProbabilityIsNeverShownAsACertainty() {
    assertEquals("> 99.9 %", ImagingResult.percent(0.99981));
    assertEquals("99.9 %", ImagingResult.percent(0.9993));
    assertEquals("< 0.1 %", ImagingResult.percent(0.0002));
    assertEquals("86.6 %", ImagingResult.percent(0.866));
  }
}
