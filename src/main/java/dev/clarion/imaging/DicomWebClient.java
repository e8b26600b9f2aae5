package dev.clarion.imaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.faulttolerance.api.TypedGuard;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.util.TypeLiteral;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;

/**
 * DICOMweb reads (PS3.18): QIDO-RS series search, WADO-RS instance metadata as DICOM JSON, and one
 * frame's pixel data uncompressed (the PACS decodes; Clarion never parses DICOM files). Every call
 * carries the endpoint's own credential, has a timeout bounded by the caller's deadline, and passes
 * a circuit breaker per endpoint. Failures become {@link ImageRefusedException}s with stable codes;
 * URLs with their queries, credentials and bodies are never logged.
 *
 * <p>Thread-safe.
 */
@ApplicationScoped
public class DicomWebClient {

  /** Explicit VR Little Endian: the uncompressed syntax frames are asked for (PS3.5 §A.2). */
  public static final String EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1";

  private static final TypeLiteral<HttpResponse<byte[]>> RESPONSE = new TypeLiteral<>() {};

  private final HttpClient http;
  private final ObjectMapper json;
  private final Duration callTimeout;
  private final int volumeThreshold;
  private final Duration openDelay;
  private final Map<String, TypedGuard<HttpResponse<byte[]>>> guards = new ConcurrentHashMap<>();

  @Inject
  DicomWebClient(ObjectMapper json, ImagingConfig config) {
    this(
        json,
        config.callTimeout(),
        config.circuitBreaker().requestVolumeThreshold(),
        config.circuitBreaker().delay());
  }

  /**
   * @param callTimeout the longest one DICOMweb call may take (the deadline may cut it shorter)
   * @param volumeThreshold calls in the breaker's window before it may open (half of them failing)
   * @param openDelay how long an open breaker refuses calls before trying again
   */
  public DicomWebClient(
      ObjectMapper json, Duration callTimeout, int volumeThreshold, Duration openDelay) {
    this.json = json;
    this.callTimeout = callTimeout;
    this.volumeThreshold = volumeThreshold;
    this.openDelay = openDelay;
    // HTTP/1.1: plain http PACS on a hospital network; no h2c upgrade round trip.
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(callTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /**
   * QIDO-RS: the study's series (of one modality, or all when {@code modality} is null), as DICOM
   * JSON datasets with their body part.
   */
  public JsonNode series(DicomWebEndpoint e, String studyUid, String modality, long deadline) {
    String path =
        "/studies/"
            + uid(studyUid)
            + "/series?includefield=00180015"
            + (modality == null
                ? ""
                : "&Modality=" + URLEncoder.encode(modality, StandardCharsets.UTF_8));
    return array(get(e, path, "application/dicom+json", deadline));
  }

  /** QIDO-RS: a series' instances. */
  public JsonNode instances(DicomWebEndpoint e, String studyUid, String seriesUid, long deadline) {
    return array(
        get(
            e,
            "/studies/" + uid(studyUid) + "/series/" + uid(seriesUid) + "/instances",
            "application/dicom+json",
            deadline));
  }

  /** WADO-RS: one instance's metadata (all attributes but bulk data). */
  public JsonNode metadata(
      DicomWebEndpoint e, String studyUid, String seriesUid, String sopUid, long deadline) {
    JsonNode all =
        array(
            get(
                e,
                instancePath(studyUid, seriesUid, sopUid) + "/metadata",
                "application/dicom+json",
                deadline));
    if (all.isEmpty()) {
      throw new ImageRefusedException(
          "pacs-invalid", "The PACS returned no metadata for the instance.");
    }
    return all.get(0);
  }

  /**
   * Transfer syntaxes read (PS3.5 Annex A): uncompressed (implicit and explicit little endian,
   * explicit big endian), deflated, RLE, JPEG lossless (process 14 and SV1) and JPEG-LS lossless —
   * the compressed ones decoded by the PACS. Lossy syntaxes (JPEG baseline, lossy JPEG-LS, JPEG
   * 2000 …) are refused: a model validated on lossless pixels has not been validated on compression
   * artefacts.
   */
  static final java.util.Set<String> LOSSLESS =
      java.util.Set.of(
          "1.2.840.10008.1.2",
          EXPLICIT_VR_LITTLE_ENDIAN,
          "1.2.840.10008.1.2.2",
          "1.2.840.10008.1.2.1.99",
          "1.2.840.10008.1.2.5",
          "1.2.840.10008.1.2.4.57",
          "1.2.840.10008.1.2.4.70",
          "1.2.840.10008.1.2.4.80");

  private static final java.util.regex.Pattern SYNTAX =
      java.util.regex.Pattern.compile("transfer-syntax=\\s*\"?([0-9.*]+)");

  /**
   * WADO-RS: frame 1's pixel data as uncompressed little-endian bytes (PS3.18 §8.7.3.5), decoded by
   * the PACS. When the PACS cannot send it so, the frame is asked for as stored ({@code
   * transfer-syntax=*}: the response names the syntax) and the refusal names the syntax; a lossy
   * syntax is refused even when the PACS could decode it.
   */
  public byte[] frame(
      DicomWebEndpoint e, String studyUid, String seriesUid, String sopUid, long deadline) {
    String path = instancePath(studyUid, seriesUid, sopUid) + "/frames/1";
    // A PACS that cannot transcode answers 500 (Orthanc), 406 or 400: not a failure of the PACS
    // for the circuit breaker.
    HttpResponse<byte[]> r =
        send(
            e,
            path,
            "multipart/related; type=\"application/octet-stream\"; transfer-syntax="
                + EXPLICIT_VR_LITTLE_ENDIAN,
            deadline,
            false);
    if (r.statusCode() == 200) {
      String type = r.headers().firstValue("Content-Type").orElse("");
      String syntax = syntax(type);
      if (syntax != null && !syntax.equals(EXPLICIT_VR_LITTLE_ENDIAN)) {
        throw new ImageRefusedException(
            "unsupported-transfer-syntax",
            "The PACS sent transfer syntax "
                + syntax
                + " when asked for Explicit VR Little Endian.");
      }
      return part(r.body(), type);
    }
    if (r.statusCode() == 401 || r.statusCode() == 403) {
      ok(r);
    }
    HttpResponse<byte[]> stored =
        send(
            e,
            path,
            "multipart/related; type=\"application/octet-stream\"; transfer-syntax=*",
            deadline,
            false);
    String syntax =
        stored.statusCode() == 200
            ? syntax(stored.headers().firstValue("Content-Type").orElse(""))
            : null;
    if (syntax == null) {
      throw new ImageRefusedException(
          "pacs-unavailable", "The PACS could not send the frame (HTTP " + r.statusCode() + ").");
    }
    throw new ImageRefusedException(
        "unsupported-transfer-syntax",
        LOSSLESS.contains(syntax)
            ? "The PACS could not decode the instance's transfer syntax " + syntax + "."
            : "The instance is stored as transfer syntax "
                + syntax
                + ", which this path does not read: only uncompressed and lossless syntaxes.");
  }

  private static byte[] part(byte[] body, String type) {
    return type.toLowerCase(java.util.Locale.ROOT).startsWith("multipart/")
        ? Multipart.firstPart(body, type)
        : body;
  }

  /** The transfer syntax a frame response names in its Content-Type, or null. */
  static String syntax(String contentType) {
    java.util.regex.Matcher m = SYNTAX.matcher(contentType);
    return m.find() && !m.group(1).equals("*") ? m.group(1) : null;
  }

  private static String instancePath(String study, String series, String sop) {
    return "/studies/" + uid(study) + "/series/" + uid(series) + "/instances/" + uid(sop);
  }

  /** A UID is digits and dots (PS3.5 §9.1); anything else is refused before a URL is built. */
  static String uid(String uid) {
    if (uid == null || uid.isEmpty() || uid.length() > 64 || !uid.matches("[0-9.]+")) {
      throw new ImageRefusedException("invalid-uid", "A DICOM UID is not digits and dots.");
    }
    return uid;
  }

  private byte[] get(DicomWebEndpoint e, String path, String accept, long deadline) {
    HttpResponse<byte[]> r = send(e, path, accept, deadline);
    if (r.statusCode() == 204 || r.statusCode() == 404) {
      return "[]".getBytes(StandardCharsets.UTF_8);
    }
    ok(r);
    return r.body();
  }

  private static void ok(HttpResponse<byte[]> r) {
    if (r.statusCode() == 401 || r.statusCode() == 403) {
      throw new ImageRefusedException(
          "pacs-unauthorized",
          "The PACS refused Clarion's credential (HTTP " + r.statusCode() + ").");
    }
    if (r.statusCode() != 200) {
      throw new ImageRefusedException(
          "pacs-unavailable", "The PACS answered HTTP " + r.statusCode() + ".");
    }
  }

  private JsonNode array(byte[] body) {
    try {
      JsonNode n = json.readTree(body);
      if (n == null || !n.isArray()) {
        throw new ImageRefusedException("pacs-invalid", "The PACS did not answer DICOM JSON.");
      }
      return n;
    } catch (IOException ex) {
      throw new ImageRefusedException("pacs-invalid", "The PACS did not answer DICOM JSON.");
    }
  }

  private HttpResponse<byte[]> send(DicomWebEndpoint e, String path, String accept, long deadline) {
    return send(e, path, accept, deadline, true);
  }

  /**
   * @param failOn5xx whether a 5xx answer is a failure of the PACS (counted by its breaker)
   */
  private HttpResponse<byte[]> send(
      DicomWebEndpoint e, String path, String accept, long deadline, boolean failOn5xx) {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      throw new ImageRefusedException(
          "pacs-timeout", "The hook's deadline passed before the PACS answered.");
    }
    Duration timeout = Duration.ofNanos(Math.min(left, callTimeout.toNanos()));
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(e.baseUrl() + path))
            .timeout(timeout)
            .header("Accept", accept)
            .GET();
    if (e.authorization() != null) {
      b.header("Authorization", e.authorization());
    }
    HttpRequest request = b.build();
    try {
      return guard(e.baseUrl())
          .call(
              () -> {
                HttpResponse<byte[]> r =
                    http.send(request, HttpResponse.BodyHandlers.ofByteArray());
                if (failOn5xx && r.statusCode() >= 500) {
                  throw new IOException("HTTP " + r.statusCode()); // counted by the breaker
                }
                return r;
              });
    } catch (CircuitBreakerOpenException ex) {
      throw new ImageRefusedException(
          "pacs-circuit-open",
          "The PACS is failing; calls are suspended for a while (circuit open).");
    } catch (HttpTimeoutException ex) {
      throw new ImageRefusedException("pacs-timeout", "The PACS did not answer in time.");
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      throw new ImageRefusedException("pacs-timeout", "Interrupted while waiting for the PACS.");
    } catch (ImageRefusedException ex) {
      throw ex;
    } catch (Exception ex) {
      throw new ImageRefusedException(
          "pacs-unavailable",
          "The PACS could not be reached or failed ("
              + (ex.getMessage() != null && ex.getMessage().startsWith("HTTP ")
                  ? ex.getMessage()
                  : ex.getClass().getSimpleName())
              + ").");
    }
  }

  private TypedGuard<HttpResponse<byte[]>> guard(String base) {
    // One breaker per registered endpoint; the registration bounds the map.
    return guards.computeIfAbsent(
        base,
        b ->
            TypedGuard.create(RESPONSE)
                .withCircuitBreaker()
                .requestVolumeThreshold(volumeThreshold)
                .failureRatio(0.5)
                .delay(openDelay.toMillis(), ChronoUnit.MILLIS)
                .done()
                .build());
  }
}
