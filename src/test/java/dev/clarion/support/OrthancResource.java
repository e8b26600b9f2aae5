package dev.clarion.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * The imaging tests' PACS as a Quarkus test resource: a fresh Orthanc, registered as the DICOMweb
 * endpoint {@code pacs} for the test EHR (with its credential), imaging services on.
 */
public class OrthancResource implements QuarkusTestResourceLifecycleManager {

  public static volatile Orthanc pacs;

  @Override
  public Map<String, String> start() {
    try {
      pacs = Orthanc.start("service");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return Map.of(
        "clarion.imaging.enabled",
        "true",
        "clarion.imaging.endpoints.pacs.url",
        pacs.dicomWeb(),
        "clarion.imaging.endpoints.pacs.authorization",
        "Basic "
            + Base64.getEncoder()
                .encodeToString(
                    (Orthanc.USER + ":" + Orthanc.PASSWORD).getBytes(StandardCharsets.UTF_8)),
        "clarion.imaging.endpoints.pacs.clients",
        TestEhr.ISS,
        // A PACS nobody listens on, registered too: the PACS-down case
        "clarion.imaging.endpoints.down.url",
        "http://127.0.0.1:9/dicom-web",
        "clarion.imaging.endpoints.down.clients",
        TestEhr.ISS);
  }

  @Override
  public void stop() {
    try {
      if (pacs != null) {
        pacs.close();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
