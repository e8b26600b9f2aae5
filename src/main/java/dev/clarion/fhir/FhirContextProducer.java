package dev.clarion.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.LenientErrorHandler;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Patient;

/**
 * One R4 {@link FhirContext} for the application. Creating one is expensive (1–2.5 s on first use)
 * and it is thread-safe, so it is built once and warmed — by {@code ClarionMain} on a background
 * thread while the rest of the server boots, or here at start-up at the latest.
 */
public class FhirContextProducer {

  /** Class initialisation makes the one-time creation thread-safe and lazy. */
  private static final class Holder {
    static final FhirContext CONTEXT = create();
  }

  /** Builds and warms the shared context (idempotent, blocks until it is ready). */
  public static FhirContext warm() {
    return Holder.CONTEXT;
  }

  private static FhirContext create() {
    FhirContext ctx = FhirContext.forR4();
    // Real EHRs send extra or unknown elements; accept them silently rather than logging parser
    // complaints that could quote resource content.
    ctx.setParserErrorHandler(new LenientErrorHandler(false));
    // Clarion never references a resource object without an id (every reference it writes is a
    // URL), so the walk of every encoded resource looking for one to contain is wasted work:
    // about a third of encoding a card's actions.
    ctx.getParserOptions().setAutoContainReferenceTargetsWithNoId(false);
    ctx.newJsonParser()
        .parseResource(Bundle.class, "{\"resourceType\":\"Bundle\",\"type\":\"searchset\"}");
    ctx.newJsonParser().encodeResourceToString(new Patient());
    return ctx;
  }

  @Produces
  @Singleton
  @Startup
  FhirContext fhirContext() {
    return warm();
  }
}
