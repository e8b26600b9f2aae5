package dev.clarion.cds.api;

import java.util.Arrays;
import java.util.Optional;
import java.util.Set;

/**
 * Hooks of the CDS Hooks Library 1.0.1 that Clarion can serve, with the context fields that may
 * appear as prefetch tokens ({@code {{context.<field>}}}; CDS Hooks 2.0 §Prefetch tokens).
 */
public enum Hook {
  PATIENT_VIEW("patient-view", Set.of("userId", "patientId", "encounterId")),
  ORDER_SIGN("order-sign", Set.of("userId", "patientId", "encounterId")),
  ORDER_SELECT("order-select", Set.of("userId", "patientId", "encounterId")),
  ENCOUNTER_START("encounter-start", Set.of("userId", "patientId", "encounterId")),
  ENCOUNTER_DISCHARGE("encounter-discharge", Set.of("userId", "patientId", "encounterId")),
  APPOINTMENT_BOOK("appointment-book", Set.of("userId", "patientId", "encounterId"));

  /** Tokens derived from {@code context.userId} (CDS Hooks 2.0 §Prefetch tokens). */
  public static final Set<String> USER_TOKENS =
      Set.of(
          "userPractitionerId", "userPractitionerRoleId", "userPatientId", "userRelatedPersonId");

  private final String code;
  private final Set<String> tokenFields;

  Hook(String code, Set<String> tokenFields) {
    this.code = code;
    this.tokenFields = tokenFields;
  }

  public String code() {
    return code;
  }

  public Set<String> tokenFields() {
    return tokenFields;
  }

  public static Optional<Hook> of(String code) {
    return Arrays.stream(values()).filter(h -> h.code.equals(code)).findFirst();
  }
}
