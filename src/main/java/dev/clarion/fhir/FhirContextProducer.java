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
 * and it is thread-safe, so it is built and warmed at start-up.
 */
public class FhirContextProducer {

  @Produces
  @Singleton
  @Startup
  FhirContext fhirContext() {
    FhirContext ctx = FhirContext.forR4();
    // Real EHRs send extra or unknown elements; accept them silently rather than logging parser
    // complaints that could quote resource content.
    ctx.setParserErrorHandler(new LenientErrorHandler(false));
    ctx.newJsonParser()
        .parseResource(Bundle.class, "{\"resourceType\":\"Bundle\",\"type\":\"searchset\"}");
    ctx.newJsonParser().encodeResourceToString(new Patient());
    return ctx;
  }
}
