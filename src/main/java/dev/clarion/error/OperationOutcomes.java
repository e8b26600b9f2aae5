package dev.clarion.error;

import ca.uhn.fhir.context.FhirContext;
import jakarta.inject.Singleton;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import org.hl7.fhir.r4.model.OperationOutcome;

/** Builds the FHIR OperationOutcome bodies of error responses. */
@Singleton
public class OperationOutcomes {

  public static final String FHIR_JSON = "application/fhir+json";
  static final String CODE_SYSTEM = "https://clarion.dev/fhir/CodeSystem/error";

  private final FhirContext fhir;

  OperationOutcomes(FhirContext fhir) {
    this.fhir = fhir;
  }

  public Response response(int status, String issueType, String code, String message) {
    return Response.status(status)
        .type(FHIR_JSON)
        .entity(encode(status, issueType, code, message))
        .build();
  }

  /** The body of the error response for {@code e}, as {@link #response} would send it. */
  public byte[] body(ClarionException e) {
    return encode(e.status(), e.issueType(), e.code(), e.getMessage())
        .getBytes(StandardCharsets.UTF_8);
  }

  private String encode(int status, String issueType, String code, String message) {
    OperationOutcome outcome = new OperationOutcome();
    OperationOutcome.OperationOutcomeIssueComponent issue = outcome.addIssue();
    issue.setSeverity(
        status >= 500
            ? OperationOutcome.IssueSeverity.FATAL
            : OperationOutcome.IssueSeverity.ERROR);
    issue.setCode(OperationOutcome.IssueType.fromCode(issueType));
    issue.getDetails().addCoding().setSystem(CODE_SYSTEM).setCode(code);
    issue.setDiagnostics(message);
    return fhir.newJsonParser().encodeResourceToString(outcome);
  }

  /** The 503 of a call turned away by admission control, with its {@code Retry-After}. */
  public Response overloaded(OverloadedException e) {
    return Response.fromResponse(response(e.status(), e.issueType(), e.code(), e.getMessage()))
        .header("Retry-After", Integer.toString(e.retryAfterSeconds()))
        .build();
  }
}
