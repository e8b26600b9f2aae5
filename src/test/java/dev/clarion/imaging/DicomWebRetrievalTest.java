package dev.clarion.imaging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.clarion.support.DicomFiles;
import dev.clarion.support.Orthanc;
import dev.clarion.support.SyntheticStudies;
import io.quarkus.test.junit.QuarkusTest;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Images come from a real PACS over DICOMweb: Debian's Orthanc with its DICOMweb plugin, loaded
 * with synthetic DICOM files the test writes (a synthetic patient; pixels of the demonstration
 * model's held-out images). Also: the wrong modality, attributes outside the model card, a transfer
 * syntax the PACS cannot decode, a wrong credential, the PACS down, the PACS slow, a failing PACS
 * opening the circuit — each a refusal naming why, within the deadline. A {@code @QuarkusTest}
 * because the circuit breakers are SmallRye Fault Tolerance's, run by the application.
 */
@QuarkusTest
class DicomWebRetrievalTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static Orthanc pacs;
  static ImageModel model;
  static HeldOut heldOut;
  static DicomWebEndpoint endpoint;
  static final DicomWebClient CLIENT =
      new DicomWebClient(JSON, Duration.ofSeconds(2), 20, Duration.ofSeconds(5));

  static final String ROOT = "1.2.826.0.1.3680043.10.1234.";

  @BeforeAll
  static void start() throws Exception {
    pacs = Orthanc.start("retrieval");
    model =
        ImageModel.load(
            HeldOut.FOLDER.resolve(ImageModel.DESCRIPTOR),
            JSON,
            OrtEnvironment.getEnvironment(),
            1);
    heldOut = HeldOut.read();
    endpoint = new DicomWebEndpoint(pacs.dicomWeb(), Orthanc.AUTHORIZATION);
  }

  @AfterAll
  static void stop() throws Exception {
    pacs.close();
    model.close();
  }

  static long deadline(Duration d) {
    return System.nanoTime() + d.toNanos();
  }

  /** A synthetic chest DX instance of held-out image {@code index}, in its own study. */
  static DicomFiles.Instance chest(int study, int index) {
    return SyntheticStudies.chest(ROOT + study, "" + study, "DX", SyntheticStudies.heldOut(index));
  }

  /** Reads a study as the model would, within 5 s. */
  static StudyReader.RetrievedImage read(DicomWebEndpoint e, String studyUid) {
    return StudyReader.read(
        CLIENT, e, studyUid, model.descriptor(), deadline(Duration.ofSeconds(5)));
  }

  /** The refusal reading a study gets. */
  static ImageRefusedException refusal(DicomWebEndpoint e, String studyUid) {
    return assertThrows(ImageRefusedException.class, () -> read(e, studyUid));
  }

  @Test
  void readsTheStoredFrameWithItsIdentifiersAndScoresItAsTheRecipeDid() throws Exception {
    DicomFiles.Instance i = chest(1, 2); // held-out image 2 carries a lesion
    pacs.store(DicomFiles.write(i));
    StudyReader.RetrievedImage image = read(endpoint, i.studyUid());
    assertEquals(i.seriesUid(), image.seriesUid());
    assertEquals(i.sopUid(), image.sopUid());
    assertEquals("DX", image.modality());
    assertEquals("CHEST", image.bodyPart());
    assertEquals(0.5, image.pixelSpacingMm());
    assertArrayEquals(i.pixels(), image.frame().values(), "the pixels the test stored");
    ByteBuffer le = ByteBuffer.allocate(64 * 64 * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (int p : i.pixels()) {
      le.putShort((short) p);
    }
    assertEquals(dev.clarion.model.ModelLoader.sha256(le.array()), image.pixelSha256());
    float p = model.predict(model.preprocessing().apply(image.frame()))[0];
    double recipe =
        JSON.readTree(HeldOut.FOLDER.resolve("heldout/reference.json").toFile())
            .get("probabilities")
            .get(2)
            .asDouble();
    assertEquals(recipe, p, 1e-4, "the PACS round trip changes nothing the model sees");
  }

  @Test
  void aBigEndianInstanceIsTranscodedByThePacsAndReadTheSame() throws Exception {
    DicomFiles.Instance i = chest(2, 3);
    pacs.store(DicomFiles.write(i, DicomFiles.EXPLICIT_BE));
    StudyReader.RetrievedImage image = read(endpoint, i.studyUid());
    assertArrayEquals(i.pixels(), image.frame().values());
  }

  @Test
  void aStudyWithoutAnAcceptedModalityIsRefusedNamingWhatItHas() throws Exception {
    DicomFiles.Instance i = chest(3, 4).withModality("MR");
    pacs.store(DicomFiles.write(i));
    ImageRefusedException e = refusal(endpoint, i.studyUid());
    assertEquals("no-matching-series", e.code());
    assertTrue(
        e.getMessage().contains("MR") && e.getMessage().contains("DX or CR"), e.getMessage());
  }

  @Test
  void attributesOutsideTheModelCardAreRefusedNamingEach() throws Exception {
    DicomFiles.Instance base = chest(4, 5);
    DicomFiles.Instance i =
        new DicomFiles.Instance(
            base.patientId(),
            base.patientName(),
            base.studyUid(),
            base.seriesUid(),
            base.sopUid(),
            "DX",
            "CHEST",
            "MONOCHROME2",
            10, // bits stored: the model needs 12
            2.0, // mm per pixel: the model needs 0.1-1
            64,
            64,
            base.pixels());
    pacs.store(DicomFiles.write(i));
    ImageRefusedException e = refusal(endpoint, i.studyUid());
    assertEquals("image-attributes", e.code());
    assertTrue(e.getMessage().contains("Bits Stored (0028,0101) is 10"), e.getMessage());
    assertTrue(e.getMessage().contains("Pixel Spacing (0028,0030) is 2 mm"), e.getMessage());
  }

  @Test
  void pixelDataThePacsCannotDecodeIsRefusedAsAnUnsupportedTransferSyntax() throws Exception {
    DicomFiles.Instance i = chest(5, 6);
    // JPEG 2000 (PS3.5 §A.4.4) that is not JPEG 2000: Orthanc stores it, but cannot transcode it.
    pacs.store(
        DicomFiles.writeEncapsulated(
            i,
            "1.2.840.10008.1.2.4.90",
            "not a JPEG 2000 codestream".getBytes(StandardCharsets.US_ASCII)));
    ImageRefusedException e = refusal(endpoint, i.studyUid());
    assertEquals("unsupported-transfer-syntax", e.code(), e.getMessage());
    assertTrue(e.getMessage().contains("1.2.840.10008.1.2.4.90"), e.getMessage());
  }

  @Test
  void aWrongCredentialIsRefusedWithoutSayingIt() throws Exception {
    DicomWebEndpoint wrong =
        new DicomWebEndpoint(pacs.dicomWeb(), Orthanc.basic(Orthanc.USER, "wrong-secret"));
    ImageRefusedException e = refusal(wrong, ROOT + "1");
    assertEquals("pacs-unauthorized", e.code());
    assertTrue(!e.getMessage().contains("wrong-secret") && !wrong.toString().contains("Basic"));
  }

  @Test
  void aPacsThatIsDownIsRefusedAtOnce() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    DicomWebEndpoint down = new DicomWebEndpoint("http://127.0.0.1:" + port + "/dicom-web", null);
    long t0 = System.nanoTime();
    ImageRefusedException e = refusal(down, ROOT + "1");
    assertEquals("pacs-unavailable", e.code());
    assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(2).toNanos());
  }

  @Test
  void aSlowPacsIsCutOffAtTheDeadlineAndAFailingOneOpensTheCircuit() throws Exception {
    HttpServer slow = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    slow.createContext(
        "/slow",
        x -> {
          try {
            Thread.sleep(3000);
            x.sendResponseHeaders(200, -1);
          } catch (InterruptedException | java.io.IOException ignored) {
            // the client has gone
          } finally {
            x.close();
          }
        });
    slow.createContext(
        "/failing",
        x -> {
          x.sendResponseHeaders(502, -1);
          x.close();
        });
    slow.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    slow.start();
    try {
      String base = "http://127.0.0.1:" + slow.getAddress().getPort();
      long t0 = System.nanoTime();
      ImageRefusedException e =
          assertThrows(
              ImageRefusedException.class,
              () ->
                  StudyReader.read(
                      CLIENT,
                      new DicomWebEndpoint(base + "/slow", null),
                      ROOT + "1",
                      model.descriptor(),
                      deadline(Duration.ofMillis(400))));
      long took = (System.nanoTime() - t0) / 1_000_000;
      assertEquals("pacs-timeout", e.code());
      assertTrue(took < 1200, "refused after " + took + " ms of a 400 ms deadline");

      DicomWebClient client =
          new DicomWebClient(JSON, Duration.ofSeconds(1), 4, Duration.ofSeconds(30));
      DicomWebEndpoint failing = new DicomWebEndpoint(base + "/failing", null);
      String last = null;
      for (int k = 0; k < 6; k++) {
        try {
          StudyReader.read(
              client, failing, ROOT + "1", model.descriptor(), deadline(Duration.ofSeconds(2)));
        } catch (ImageRefusedException f) {
          last = f.code();
        }
      }
      assertEquals(
          "pacs-circuit-open", last, "after 4 failures the breaker refuses without calling");
    } finally {
      slow.stop(0);
    }
  }
}
