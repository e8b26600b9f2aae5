package dev.clarion.imaging;

/**
 * A DICOMweb server Clarion may read images from, with the credential registered for it — never the
 * EHR's FHIR access token, which is meant for {@code fhirServer} only.
 *
 * @param baseUrl the DICOMweb root (what {@code Endpoint.address} names), without trailing slash
 * @param authorization the {@code Authorization} header value ("Basic …", "Bearer …"), or null
 */
public record DicomWebEndpoint(String baseUrl, String authorization) {

  public DicomWebEndpoint {
    baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
  }

  /** Never prints the credential. */
  @Override
  public String toString() {
    return "DicomWebEndpoint[" + baseUrl + "]";
  }
}
