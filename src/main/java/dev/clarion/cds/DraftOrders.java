package dev.clarion.cds;

import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.IParser;
import com.fasterxml.jackson.databind.JsonNode;
import dev.clarion.binding.Binding;
import dev.clarion.cds.api.CdsRequest;
import dev.clarion.error.InvalidRequestException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.r4.model.MedicationRequest;

/**
 * The medication orders of an order-sign or order-select request ({@code context.draftOrders}, a
 * FHIR Bundle) that match a set of codes. For order-select only the orders named in {@code
 * context.selections} count (CDS Hooks order-select 1.0). The medication is read from {@code
 * medicationCodeableConcept} or from a contained Medication referenced by {@code
 * medicationReference}.
 */
final class DraftOrders {

  private DraftOrders() {}

  /**
   * The display names of the matching draft MedicationRequests.
   *
   * @throws InvalidRequestException when {@code draftOrders} is missing or not a Bundle
   */
  static List<String> matching(CdsRequest request, Binding.CodeSet match) {
    JsonNode orders = bundle(request);
    Set<String> selected = selections(request);
    List<String> found = new ArrayList<>();
    for (JsonNode entry : orders.path("entry")) {
      JsonNode r = entry.path("resource");
      if (!"MedicationRequest".equals(r.path("resourceType").asText())) {
        continue;
      }
      if (selected != null && !selected.contains("MedicationRequest/" + r.path("id").asText())) {
        continue;
      }
      JsonNode medication = medication(r);
      if (matches(medication, match)) {
        found.add(display(medication));
      }
    }
    return found;
  }

  /**
   * The draft MedicationRequests named in {@code context.selections} (order-select), parsed.
   *
   * @throws InvalidRequestException when {@code draftOrders} is missing or not a Bundle, or a
   *     selected MedicationRequest is not valid FHIR JSON
   */
  static List<MedicationRequest> selected(CdsRequest request, IParser parser) {
    JsonNode orders = bundle(request);
    Set<String> selected = selections(request);
    List<MedicationRequest> found = new ArrayList<>();
    for (JsonNode entry : orders.path("entry")) {
      JsonNode r = entry.path("resource");
      if (!"MedicationRequest".equals(r.path("resourceType").asText())
          || (selected != null
              && !selected.contains("MedicationRequest/" + r.path("id").asText()))) {
        continue;
      }
      try {
        found.add(parser.parseResource(MedicationRequest.class, r.toString()));
      } catch (DataFormatException e) {
        throw new InvalidRequestException(
            "invalid-draft-order",
            "The selected draft order MedicationRequest/"
                + r.path("id").asText()
                + " is not valid FHIR R4 JSON.");
      }
    }
    return found;
  }

  private static JsonNode bundle(CdsRequest request) {
    JsonNode orders = request.context().get("draftOrders");
    if (orders == null
        || !orders.isObject()
        || !"Bundle".equals(orders.path("resourceType").asText())) {
      throw new InvalidRequestException(
          "missing-draft-orders",
          "The request has no 'context.draftOrders' Bundle (required for " + request.hook() + ").");
    }
    return orders;
  }

  /** For order-select, the {@code Type/id} of the selected orders; null: every order counts. */
  private static Set<String> selections(CdsRequest request) {
    if (!"order-select".equals(request.hook())) {
      return null;
    }
    JsonNode selections = request.context().get("selections");
    if (selections == null || !selections.isArray()) {
      throw new InvalidRequestException(
          "missing-selections",
          "The request has no 'context.selections' array (required for order-select).");
    }
    Set<String> selected = new HashSet<>();
    for (JsonNode s : selections) {
      selected.add(s.asText());
    }
    return selected;
  }

  /**
   * Any coding (any system) in the set, or — for the branded drugs EHRs put on orders — an RxNorm
   * display or the concept's text naming a member clinical drug with the brand in brackets.
   */
  static boolean matches(JsonNode concept, Binding.CodeSet match) {
    for (JsonNode coding : concept.path("coding")) {
      if (match
          .match(
              coding.path("system").asText(null),
              coding.path("code").asText(null),
              coding.path("display").asText(null))
          .isPresent()) {
        return true;
      }
    }
    return concept.path("text").isTextual()
        && match.brandedName(concept.path("text").asText()).isPresent();
  }

  private static JsonNode medication(JsonNode request) {
    if (request.has("medicationCodeableConcept")) {
      return request.get("medicationCodeableConcept");
    }
    String ref = request.path("medicationReference").path("reference").asText("");
    if (ref.startsWith("#")) {
      for (JsonNode contained : request.path("contained")) {
        if (ref.substring(1).equals(contained.path("id").asText())) {
          return contained.path("code");
        }
      }
    }
    return request.path("medicationCodeableConcept");
  }

  private static String display(JsonNode concept) {
    if (concept.hasNonNull("text")) {
      return concept.get("text").asText();
    }
    for (JsonNode coding : concept.path("coding")) {
      if (coding.hasNonNull("display")) {
        return coding.get("display").asText();
      }
    }
    return concept.path("coding").path(0).path("code").asText("a medication");
  }
}
