package dev.clarion.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * The imaging tests' PACS as a Quarkus test resource: a fresh Orthanc, registered as the DICOMweb
 * endpoint {@code pacs} for the test EHR (with its credential), with a PACS that is down ({@code
 * down}) and one that answers nothing for 10 s ({@code slow}) registered too; imaging services on,
 * with a 1 s DICOMweb deadline.
 */
public class OrthancResource implements QuarkusTestResourceLifecycleManager {

  public static volatile Orthanc pacs;

  /** A DICOMweb server that answers nothing for 10 s: the slow-PACS case. */
  public static volatile com.sun.net.httpserver.HttpServer slow;

  @Override
  public Map<String, String> start() {
    try {
      pacs = Orthanc.start("service");
      slow =
          com.sun.net.httpserver.HttpServer.create(
              new java.net.InetSocketAddress("127.0.0.1", 0), 0);
      slow.createContext(
          "/",
          x -> {
            try {
              Thread.sleep(10_000);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            x.close();
          });
      slow.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
      slow.start();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return Map.ofEntries(
        Map.entry("clarion.imaging.deadline", "1s"),
        Map.entry(
            "clarion.imaging.endpoints.slow.url",
            "http://127.0.0.1:" + slow.getAddress().getPort() + "/dicom-web"),
        Map.entry("clarion.imaging.endpoints.slow.clients", TestEhr.ISS),
        Map.entry("clarion.imaging.enabled", "true"),
        Map.entry("clarion.imaging.endpoints.pacs.url", pacs.dicomWeb()),
        Map.entry("clarion.imaging.endpoints.pacs.authorization", Orthanc.AUTHORIZATION),
        Map.entry("clarion.imaging.endpoints.pacs.clients", TestEhr.ISS),
        // A PACS nobody listens on, registered too: the PACS-down case
        Map.entry("clarion.imaging.endpoints.down.url", "http://127.0.0.1:9/dicom-web"),
        Map.entry("clarion.imaging.endpoints.down.clients", TestEhr.ISS));
  }

  @Override
  public void stop() {
    try {
      if (slow != null) {
        slow.stop(0);
      }
      if (pacs != null) {
        pacs.close();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
