package dev.clarion.cds;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clarion.error.InvalidRequestException;
import java.util.Iterator;
import java.util.Map;

/**
 * What a CDS Hooks request may hold before anything of it is used or stored: identifiers of bounded
 * length without control characters, and no NUL character anywhere (PostgreSQL cannot store one in
 * text or jsonb, so such a request could never be recorded; it is a client error, not a reason to
 * answer "try again later"). Violations are 400s with stable codes naming the field, never echoing
 * the value.
 */
final class RequestLimits {

  /** hookInstance is a UUID (CDS Hooks 2.0); generous for clients that send other ids. */
  static final int MAX_HOOK_INSTANCE = 128;

  /** FHIR ids are at most 64 characters; references add a type and a slash. */
  static final int MAX_ID = 64;

  static final int MAX_REFERENCE = 256;

  private RequestLimits() {}

  /** Checks the raw body first (cheap), then, only if it may hold a NUL, the parsed tree. */
  static void check(byte[] body, CdsRequest request) {
    if (mayHoldNul(body) && (hasNul(request.context()) || hasNul(request.prefetch()))) {
      throw new InvalidRequestException(
          "invalid-character",
          "The request contains a NUL character (\\u0000), which is never valid.");
    }
    bounded("hookInstance", request.hookInstance(), MAX_HOOK_INSTANCE);
    bounded("context.patientId", request.contextString("patientId"), MAX_ID);
    bounded("context.encounterId", request.contextString("encounterId"), MAX_ID);
    bounded("context.userId", request.contextString("userId"), MAX_REFERENCE);
  }

  private static void bounded(String field, String value, int max) {
    if (value == null) {
      return;
    }
    if (value.length() > max) {
      throw new InvalidRequestException(
          "invalid-field", "'" + field + "' is longer than " + max + " characters.");
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        throw new InvalidRequestException(
            "invalid-field", "'" + field + "' contains a control character.");
      }
    }
  }

  /** JSON can carry a NUL only as the escape {@code \u0000}. */
  static boolean mayHoldNul(byte[] body) {
    for (int i = 0; i + 5 < body.length; i++) {
      if (body[i] == '\\'
          && body[i + 1] == 'u'
          && body[i + 2] == '0'
          && body[i + 3] == '0'
          && body[i + 4] == '0'
          && body[i + 5] == '0') {
        return true;
      }
    }
    return false;
  }

  static boolean hasNul(Map<String, JsonNode> values) {
    if (values == null) {
      return false;
    }
    for (Map.Entry<String, JsonNode> e : values.entrySet()) {
      if (e.getKey().indexOf('\0') >= 0 || hasNul(e.getValue())) {
        return true;
      }
    }
    return false;
  }

  static boolean hasNul(JsonNode node) {
    if (node == null) {
      return false;
    }
    if (node.isTextual()) {
      return node.asText().indexOf('\0') >= 0;
    }
    if (node.isArray()) {
      for (JsonNode n : node) {
        if (hasNul(n)) {
          return true;
        }
      }
    }
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getKey().indexOf('\0') >= 0 || hasNul(e.getValue())) {
          return true;
        }
      }
    }
    return false;
  }
}
