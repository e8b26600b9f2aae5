package dev.clarion.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.UUID;

/** Test fixtures under {@code src/test/resources}. */
public final class Fixtures {

  public static final ObjectMapper JSON = new ObjectMapper();

  private Fixtures() {}

  public static ObjectNode json(String resource) {
    try (InputStream in = Fixtures.class.getResourceAsStream("/" + resource)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + resource);
      }
      return (ObjectNode) JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A copy of a request fixture with a fresh hookInstance, so records can be told apart. */
  public static ObjectNode request(String resource) {
    ObjectNode request = json(resource);
    request.put("hookInstance", UUID.randomUUID().toString());
    return request;
  }

  public static String text(JsonNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A final Observation with a LOINC code and a UCUM quantity, effective 2026-10-01. */
  public static ObjectNode observation(
      String id, String versionId, String loinc, double value, String ucum, String patient) {
    ObjectNode obs = JSON.createObjectNode();
    obs.put("resourceType", "Observation").put("id", id).put("status", "final");
    obs.putObject("meta").put("versionId", versionId);
    obs.putObject("code")
        .putArray("coding")
        .addObject()
        .put("system", "http://loinc.org")
        .put("code", loinc);
    obs.putObject("subject").put("reference", patient);
    obs.put("effectiveDateTime", "2026-10-01");
    obs.putObject("valueQuantity")
        .put("value", value)
        .put("unit", ucum)
        .put("system", "http://unitsofmeasure.org")
        .put("code", ucum);
    return obs;
  }

  /** A searchset Bundle with the resource, or empty when it is null. */
  public static ObjectNode searchset(ObjectNode resource) {
    ObjectNode b = JSON.createObjectNode();
    b.put("resourceType", "Bundle").put("type", "searchset");
    com.fasterxml.jackson.databind.node.ArrayNode entries = b.putArray("entry");
    if (resource != null) {
      entries.addObject().set("resource", resource);
    }
    b.put("total", entries.size());
    return b;
  }

  /**
   * A kfre patient-view call for the Synthea patient (a man of 58) with one creatinine and one UACR
   * result (null: none recorded).
   */
  public static ObjectNode kfreRequest(Double creatinine, String creatinineUnit, Double uacr) {
    ObjectNode fixture = request("cds/patient_view_synthea_scored.json");
    ObjectNode request = fixture.deepCopy();
    request.put("hookInstance", UUID.randomUUID().toString());
    ObjectNode prefetch = request.putObject("prefetch");
    prefetch.set("patient", fixture.at("/prefetch/patient"));
    prefetch.set("conditions", fixture.at("/prefetch/conditions"));
    String patient = "Patient/" + fixture.at("/prefetch/patient/id").asText();
    prefetch.set(
        "creatinine",
        searchset(
            creatinine == null
                ? null
                : observation("scr-1", "1", "2160-0", creatinine, creatinineUnit, patient)));
    prefetch.set(
        "uacr",
        searchset(
            uacr == null ? null : observation("uacr-1", "1", "9318-7", uacr, "mg/g", patient)));
    return request;
  }
}
