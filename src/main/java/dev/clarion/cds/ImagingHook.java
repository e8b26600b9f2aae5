package dev.clarion.cds;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.audit.Decision;
import dev.clarion.card.CardFactory;
import dev.clarion.cds.api.CdsRequest;
import dev.clarion.cds.api.ServiceDefinition;
import dev.clarion.fhir.PatientData;
import dev.clarion.fhir.PatientDataService;
import dev.clarion.imaging.DicomWebEndpoint;
import dev.clarion.imaging.ImageModel;
import dev.clarion.imaging.ImageModels;
import dev.clarion.imaging.ImageRefusedException;
import dev.clarion.imaging.ImagingAssessor;
import dev.clarion.imaging.ImagingConfig;
import dev.clarion.imaging.ImagingEndpoints;
import dev.clarion.imaging.ImagingResult;
import dev.clarion.security.CdsCaller;
import dev.clarion.telemetry.Telemetry;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Endpoint;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Reference;

/**
 * The request path of an imaging service, after the request has been parsed and checked: the
 * patient's most recent study (from the prefetch, or the EHR's FHIR server), its DICOMweb endpoint
 * (read only when registered for the calling client, with that endpoint's own credential), the
 * imaging model's result and saliency, the card — and the decision, with the result's record part
 * (DICOM UIDs, pixel hash, saliency grid; never the image). Refusals are recorded with why: no
 * study or an endpoint not registered for the caller give no card; a PACS or image problem gives a
 * "not calculated" card, because a clinician expecting the result should know it is missing.
 *
 * <p>Thread-safe; holds no per-request state.
 */
@ApplicationScoped
class ImagingHook {

  /** DICOM UIDs in FHIR: {@code identifier.system} (R4 ImagingStudy, "urn:oid:" values). */
  static final String DICOM_UID = "urn:dicom:uid";

  /** {@code Endpoint.connectionType} of a DICOMweb WADO-RS server (R4 endpoint-connection-type). */
  static final String WADO_RS = "dicom-wado-rs";

  private final ImageModels models;
  private final ImagingAssessor assessor;
  private final ImagingEndpoints endpoints;
  private final ImagingConfig config;
  private final PatientDataService patientData;
  private final CardFactory cards;
  private final ObjectMapper mapper;
  private final Telemetry telemetry;

  ImagingHook(
      ImageModels models,
      ImagingAssessor assessor,
      ImagingEndpoints endpoints,
      ImagingConfig config,
      PatientDataService patientData,
      CardFactory cards,
      ObjectMapper mapper,
      Telemetry telemetry) {
    this.models = models;
    this.assessor = assessor;
    this.endpoints = endpoints;
    this.config = config;
    this.patientData = patientData;
    this.cards = cards;
    this.mapper = mapper;
    this.telemetry = telemetry;
  }

  Decision decide(
      ServiceDefinition service,
      CdsCaller caller,
      CdsRequest request,
      String patientId,
      Decision d,
      UnaryOperator<Decision> step,
      String baseUrl) {
    String sid = service.id();
    ImageModel model = models.find(service.clarion().model()).orElseThrow();
    d =
        step.apply(
            d.withModel(
                new Decision.ModelVersion(
                    model.descriptor().id(), model.descriptor().version(), model.sha256())));
    PatientData data;
    try (Telemetry.Stage gather = telemetry.stage("gather", sid)) {
      data =
          patientData.gather(
              service,
              request,
              patientId,
              r -> {
                String type = r.path("resourceType").asText();
                return type.equals("Patient")
                    || type.equals("ImagingStudy")
                    || type.equals("Endpoint");
              },
              caller::mayQuery);
    }
    Optional<ImagingStudy> study = latest(data.all(ImagingStudy.class), model);
    if (study.isEmpty()) {
      return d.refused(
          "no-study",
          "The patient has no available imaging study of a modality the model reads ("
              + String.join(", ", model.descriptor().requires().modality())
              + ").");
    }
    String studyUid = studyUid(study.get());
    Optional<Endpoint> endpoint = endpoint(study.get(), data.all(Endpoint.class));
    if (studyUid == null || endpoint.isEmpty()) {
      return d.refused(
          "no-endpoint",
          studyUid == null
              ? "The most recent study has no Study Instance UID (identifier system "
                  + DICOM_UID
                  + ")."
              : "The most recent study names no active DICOMweb (" + WADO_RS + ") Endpoint.");
    }
    Optional<DicomWebEndpoint> allowed =
        endpoints.forCaller(
            endpoint.get().getAddress(),
            caller.iss() == null ? ImagingEndpoints.LOOPBACK : caller.iss());
    if (allowed.isEmpty()) {
      // Never contacted: a study must not make Clarion call an arbitrary server.
      return d.refused(
          "endpoint-not-allowed",
          "The study's DICOMweb endpoint is not registered for this client"
              + " (clarion.imaging.endpoints).");
    }
    CardFactory.Context ctx = new CardFactory.Context(patientId, d.id(), d.at(), baseUrl, null);
    ImagingResult result;
    try (Telemetry.Stage score = telemetry.stage("score", sid)) {
      result =
          assessor.assess(
              model, allowed.get(), studyUid, System.nanoTime() + config.deadline().toNanos());
    } catch (ImageRefusedException e) {
      return d.refused(
          e.code(),
          e.getMessage(),
          List.of(cards.imagingRefused(model.descriptor(), e.getMessage(), ctx)));
    }
    ObjectNode recorded = result.toJson(mapper);
    // Where the image came from, so the explanation page can read it again (never the credential).
    ((ObjectNode) recorded.get("image")).put("endpoint", allowed.get().baseUrl());
    try (Telemetry.Stage card = telemetry.stage("card", sid)) {
      return d.imaged(recorded, List.of(cards.imaging(result, ctx)));
    }
  }

  /**
   * The most recent available study (by {@code started}) with a modality the model reads, or
   * without modalities listed (the PACS will say).
   */
  static Optional<ImagingStudy> latest(List<ImagingStudy> studies, ImageModel model) {
    List<String> modalities = model.descriptor().requires().modality();
    return studies.stream()
        .filter(
            s ->
                s.getStatus() != ImagingStudy.ImagingStudyStatus.CANCELLED
                    && s.getStatus() != ImagingStudy.ImagingStudyStatus.ENTEREDINERROR)
        .filter(
            s ->
                s.getModality().isEmpty()
                    || s.getModality().stream().map(Coding::getCode).anyMatch(modalities::contains))
        .max(
            Comparator.comparing(
                (ImagingStudy s) -> s.hasStarted() ? s.getStarted() : new Date(Long.MIN_VALUE)));
  }

  /** The Study Instance UID: identifier {@code urn:dicom:uid}, value {@code urn:oid:<uid>}. */
  static String studyUid(ImagingStudy s) {
    for (Identifier id : s.getIdentifier()) {
      if (DICOM_UID.equals(id.getSystem()) && id.hasValue()) {
        String v = id.getValue();
        return v.startsWith("urn:oid:") ? v.substring("urn:oid:".length()) : v;
      }
    }
    return null;
  }

  /** The study's first active WADO-RS Endpoint among the resources gathered. */
  static Optional<Endpoint> endpoint(ImagingStudy s, List<Endpoint> gathered) {
    for (Reference ref : s.getEndpoint()) {
      String id = ref.getReferenceElement().getIdPart();
      for (Endpoint e : gathered) {
        if (e.getIdElement().getIdPart().equals(id)
            && WADO_RS.equals(e.getConnectionType().getCode())
            && e.getStatus() == Endpoint.EndpointStatus.ACTIVE
            && e.hasAddress()) {
          return Optional.of(e);
        }
      }
    }
    return Optional.empty();
  }
}
