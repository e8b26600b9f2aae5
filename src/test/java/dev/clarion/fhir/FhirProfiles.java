package dev.clarion.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.NpmPackageValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.UnknownCodeSystemWarningValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * HAPI's {@code FhirInstanceValidator} over Clarion's profiles ({@code fhir-profiles/}), the base
 * R4 specification and US Core 6.1.0 ({@code fhir-profiles/packages/}), built once per JVM.
 * Terminologies the build cannot reach (RxNorm, LOINC, SNOMED CT) are not checked here: an unknown
 * code system is a warning; the codes themselves are checked against the published value sets at
 * start-up ({@code RecommendationFiles}). Every other error counts.
 */
public final class FhirProfiles {

  public static final FhirContext R4 = FhirContext.forR4Cached();

  private static volatile FhirValidator validator;
  private static volatile ValidationSupportChain chain;
  private static final Map<String, List<String>> CACHE = new ConcurrentHashMap<>();

  /** Resources validated in this JVM (the filter's count, reported at the end). */
  public static final AtomicInteger VALIDATED = new AtomicInteger();

  private FhirProfiles() {}

  /** Clarion's own conformance resources, as shipped. */
  static List<IBaseResource> clarionResources() {
    Path dir = Path.of("fhir-profiles");
    List<IBaseResource> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
        out.add(R4.newJsonParser().parseResource(Files.readString(f)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  static synchronized FhirValidator validator() {
    if (validator == null) {
      try {
        NpmPackageValidationSupport usCore = new NpmPackageValidationSupport(R4);
        usCore.loadPackageFromClasspath("classpath:fhir-packages/hl7.fhir.us.core-6.1.0.tgz");
        PrePopulatedValidationSupport clarion = new PrePopulatedValidationSupport(R4);
        clarionResources().forEach(clarion::addResource);
        UnknownCodeSystemWarningValidationSupport unknown =
            new UnknownCodeSystemWarningValidationSupport(R4);
        unknown.setNonExistentCodeSystemSeverity(IValidationSupport.IssueSeverity.WARNING);
        chain =
            new ValidationSupportChain(
                new DefaultProfileValidationSupport(R4),
                clarion,
                usCore,
                new CommonCodeSystemsTerminologyService(R4),
                new InMemoryTerminologyServerValidationSupport(R4),
                new SnapshotGeneratingValidationSupport(R4),
                unknown);
        FhirInstanceValidator module = new FhirInstanceValidator(chain);
        module.setAnyExtensionsAllowed(false);
        FhirValidator v = R4.newValidator();
        v.registerValidatorModule(module);
        validator = v;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return validator;
  }

  /**
   * The errors of one resource (JSON), each as "location: message"; empty when it is valid.
   * Identical resources (after ids and times) are validated once.
   */
  public static List<String> errors(String json) {
    VALIDATED.incrementAndGet();
    String key =
        json.replaceAll("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "u")
            .replaceAll("\\d{4}-\\d\\d-\\d\\dT[0-9:.]+(Z|[+-]\\d\\d:\\d\\d)", "t");
    return CACHE.computeIfAbsent(key, k -> validate(json));
  }

  private static List<String> validate(String json) {
    ValidationResult result = validator().validateWithResult(json);
    List<String> errors = new ArrayList<>();
    for (SingleValidationMessage m : result.getMessages()) {
      if (m.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal()) {
        errors.add(m.getLocationString() + ": " + m.getMessage());
      }
    }
    return List.copyOf(errors);
  }

  /**
   * A Clarion profile with the snapshot HAPI generates from its differential (as the validator uses
   * it), as JSON.
   */
  static String withSnapshot(String url) {
    validator();
    IBaseResource sd = chain.fetchStructureDefinition(url);
    if (sd == null) {
      throw new AssertionError("no StructureDefinition " + url);
    }
    if (((org.hl7.fhir.r4.model.StructureDefinition) sd).getSnapshot().isEmpty()) {
      sd =
          chain.generateSnapshot(
              new ca.uhn.fhir.context.support.ValidationSupportContext(chain), sd, url, url, null);
    }
    return R4.newJsonParser().encodeResourceToString(sd);
  }

  /** Distinct resources validated so far. */
  static int distinct() {
    return CACHE.size();
  }

  /** Every message (any severity) of one resource, for reports. */
  public static List<String> messages(String json) {
    List<String> out = new ArrayList<>();
    for (SingleValidationMessage m : validator().validateWithResult(json).getMessages()) {
      out.add(m.getSeverity() + " " + m.getLocationString() + ": " + m.getMessage());
    }
    return out;
  }
}
