package dev.clarion.cds;

import dev.clarion.cds.api.CdsRequest;
import dev.clarion.error.InvalidRequestException;
import dev.clarion.error.JsonStrings;

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
    if (JsonStrings.mayHoldNul(body)
        && (JsonStrings.hasNul(request.context())
            || (request.prefetch() != null
                && request.prefetch().entrySet().stream()
                    .anyMatch(
                        e -> e.getKey().indexOf('\0') >= 0 || JsonStrings.hasNul(e.getValue()))))) {
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
}
