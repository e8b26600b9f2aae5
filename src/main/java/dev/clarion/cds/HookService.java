package dev.clarion.cds;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.audit.Decision;
import dev.clarion.audit.DecisionRecorder;
import dev.clarion.binding.Binding;
import dev.clarion.binding.BindingExtractor;
import dev.clarion.binding.Demographics;
import dev.clarion.binding.Extraction;
import dev.clarion.binding.FeatureValue;
import dev.clarion.card.CardFactory;
import dev.clarion.catalogue.ModelRegistry;
import dev.clarion.cds.api.Card;
import dev.clarion.cds.api.CdsRequest;
import dev.clarion.cds.api.ServiceDefinition;
import dev.clarion.error.ClarionException;
import dev.clarion.error.InvalidRequestException;
import dev.clarion.error.NotFoundException;
import dev.clarion.error.RecordUnavailableException;
import dev.clarion.fhir.PatientData;
import dev.clarion.fhir.PatientDataService;
import dev.clarion.model.OnnxModel;
import dev.clarion.recommend.Recommender;
import dev.clarion.recommend.Recommender.Recommendation;
import dev.clarion.risk.Assessment;
import dev.clarion.risk.RecordedInputs;
import dev.clarion.risk.RiskAssessor;
import dev.clarion.runtime.RunMode;
import dev.clarion.security.CdsCaller;
import dev.clarion.telemetry.Telemetry;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Answers a CDS service call: parse and check the request, gather the patient's data from the
 * prefetch, extract the model inputs, score and explain, build the cards — and record the decision
 * before anything is returned. Every call to a known service is recorded, whether it scored, was
 * refused or failed; if the record cannot be committed the caller gets 503 and no card.
 *
 * <p>Thread-safe; holds no per-request state.
 */
@ApplicationScoped
public class HookService {

  private static final Logger LOG = Logger.getLogger(HookService.class);

  private final CdsServiceRegistry services;
  private final ModelRegistry models;
  private final PatientDataService patientData;
  private final BindingExtractor extractor;
  private final RiskAssessor assessor;
  private final CardFactory cards;
  private final DecisionRecorder recorder;
  private final ShadowScorer shadowScorer;
  private final ImagingHook imaging;
  private final ObjectMapper requestReader;
  private final Clock clock;
  private final Telemetry telemetry;
  private final FhirContext fhir;
  private final boolean production;

  HookService(
      CdsServiceRegistry services,
      ModelRegistry models,
      PatientDataService patientData,
      BindingExtractor extractor,
      RiskAssessor assessor,
      CardFactory cards,
      DecisionRecorder recorder,
      ShadowScorer shadowScorer,
      ImagingHook imaging,
      ObjectMapper mapper,
      Clock clock,
      Telemetry telemetry,
      FhirContext fhir,
      @ConfigProperty(name = RunMode.EMBEDDED_RUN, defaultValue = "false") boolean embedded) {
    this.services = services;
    this.models = models;
    this.patientData = patientData;
    this.extractor = extractor;
    this.assessor = assessor;
    this.cards = cards;
    this.recorder = recorder;
    this.shadowScorer = shadowScorer;
    this.imaging = imaging;
    // CDS Hooks 2.0: unknown fields and extensions are ignored.
    this.requestReader = mapper.copy().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    this.clock = clock;
    this.telemetry = telemetry;
    this.fhir = fhir;
    // A production run shows only recommendation rules with a clinical review recorded.
    this.production = RunMode.production(embedded);
  }

  /**
   * Answers one call and records it.
   *
   * @param service the service called (the caller has been checked to be allowed to call it)
   * @param caller the authenticated caller
   * @return the recorded decision, whose cards are the response
   * @throws ClarionException for a call that failed (recorded, with the status the caller gets)
   */
  public Decision invoke(ServiceDefinition service, CdsCaller caller, byte[] body, String baseUrl) {
    long start = System.nanoTime();
    Instant now = clock.instant();
    Decision decision =
        Decision.begin(
            UUID.randomUUID(),
            now,
            service.id(),
            new Decision.Caller(
                caller.clientId(),
                caller.iss(),
                caller.tenant(),
                caller.token() == null
                    ? null
                    : new Decision.Token(
                        caller.token().iss(), caller.token().jti(), caller.token().keepUntil())));
    Steps steps = new Steps(decision);
    try {
      decision = decide(service, caller, body, baseUrl, steps);
    } catch (ClarionException e) {
      commit(service, steps.sofar.failed(e.code(), e.getMessage(), e.status()), start);
      throw e;
    } catch (RuntimeException e) {
      commit(service, steps.sofar.failed("internal-error", e.getClass().getName(), 500), start);
      throw e;
    }
    commit(service, decision, start);
    return decision;
  }

  /** The known service with this id, or 404. */
  public ServiceDefinition service(String serviceId) {
    return services
        .find(serviceId)
        .orElseThrow(() -> new NotFoundException("unknown-service", "No such CDS service."));
  }

  /** The decision as far as the request path got: what a failure records. */
  private static final class Steps {
    Decision sofar;

    Steps(Decision begun) {
      this.sofar = begun;
    }

    Decision now(Decision d) {
      sofar = d;
      return d;
    }
  }

  /** The request path, step by step; each step adds what it learned to the decision. */
  private Decision decide(
      ServiceDefinition service, CdsCaller caller, byte[] body, String baseUrl, Steps steps) {
    Decision d = steps.sofar;
    Instant now = d.at();
    String sid = service.id();
    CdsRequest request;
    String patientId;
    try (Telemetry.Stage parse = telemetry.stage("parse", sid)) {
      request = parse(body);
      RequestLimits.check(body, request);
      d = steps.now(d.withHook(request.hook(), request.hookInstance()));
      patientId = validate(service, request);
      d = steps.now(d.withPatient(patientId, request.contextString("userId")));
    }

    if (CdsServiceRegistry.isImaging(service)) {
      return imaging.decide(service, caller, request, patientId, d, steps::now, baseUrl);
    }

    // The binding travels with the model, and the shadow version with both: all come from the same
    // catalogue, even mid-reload.
    ModelRegistry.Catalogue catalogue = models.catalogue();
    ModelRegistry.Served served = catalogue.served(service.clarion().model()).orElseThrow();
    Optional<ModelRegistry.Served> shadow = CdsServiceRegistry.shadow(service, catalogue);
    OnnxModel model = served.model();
    Binding binding = served.binding();
    d =
        steps.now(
            d.withModel(
                new Decision.ModelVersion(
                    model.descriptor().id(), model.descriptor().version(), model.sha256())));

    ServiceDefinition.Orders orders = service.clarion().orders();
    List<String> ordered = List.of();
    List<Assessment.Scenario> scenarios = List.of();
    List<FeatureValue> selected = List.of();
    if (service.clarion().selection() != null) {
      selected = selected(service, request, served);
      if (selected.isEmpty()) {
        // Nothing this service compares is being selected: no card, no FHIR work.
        return d.refused(
            "no-matching-order",
            "No selected order is one this service compares ("
                + String.join(", ", treatments(service, served))
                + ").");
      }
    }
    if (orders != null) {
      ordered = DraftOrders.matching(request, binding.inputs().get(orders.matchInput()).match());
      if (ordered.isEmpty()) {
        // Nothing this service advises on is being ordered: no card, no FHIR work.
        return d.refused("no-matching-order", "No draft order is " + orders.description() + ".");
      }
      scenarios = CdsServiceRegistry.scenarios(service);
    }

    PatientData data;
    try (Telemetry.Stage gather = telemetry.stage("gather", sid)) {
      data =
          patientData.gather(
              service,
              request,
              patientId,
              r ->
                  served.relevance().test(r)
                      || (shadow.isPresent() && shadow.get().relevance().test(r)),
              caller::mayQuery);
    }
    Extraction extraction;
    try (Telemetry.Stage extract = telemetry.stage("extract", sid)) {
      extraction = extractor.extract(model.descriptor(), binding, data, now).withSelected(selected);
    }
    d =
        steps.now(
            d.withInputs(
                new RecordedInputs(
                    extraction,
                    data.sources(),
                    scenarios,
                    Demographics.of(data.patient(), LocalDate.ofInstant(now, ZoneOffset.UTC)))));

    Assessment assessment;
    try (Telemetry.Stage score = telemetry.stage("score", sid)) {
      assessment = assessor.assess(model, extraction, scenarios);
      score.span().setAttribute(Telemetry.OUTCOME, assessment.outcome().name().toLowerCase());
    }
    if (shadow.isPresent()) {
      try (Telemetry.Stage shadowStage = telemetry.stage("shadow", sid)) {
        d = steps.now(d.withShadow(shadowScorer.score(shadow.get(), data, now)));
      }
    }
    if (service.clarion().isSilent()) {
      return d.assessed(
          assessment,
          List.of(),
          assessment.scored()
              ? "Silent service: scored and recorded only, never shown on a card."
              : null);
    }
    CardFactory.Context ctx =
        new CardFactory.Context(
            patientId,
            d.id(),
            now,
            baseUrl,
            orders == null
                ? null // a selection's card names the selected orders itself
                : new CardFactory.Order(
                    String.join(", ", ordered) + " (" + orders.description() + ")",
                    orders.whatIf().label()));
    try (Telemetry.Stage card = telemetry.stage("card", sid)) {
      List<Recommendation> recommendations =
          orders == null
              ? Recommender.evaluate(served.recommendations(), assessment, production)
              : List.of();
      if (!selected.isEmpty() && assessment.scored()) {
        Card compared = cards.selection(assessment, ctx, recommendations);
        return compared == null
            ? d.assessed(
                assessment,
                List.of(),
                "No selection was compared: every rule that applies awaits clinical review at this"
                    + " site.",
                recommendations)
            : d.assessed(assessment, List.of(compared), null, recommendations);
      }
      return withCards(service, d, orders, binding, assessment, data, ctx, now, recommendations);
    }
  }

  /** The cards of an assessment, or none (and why). */
  private Decision withCards(
      ServiceDefinition service,
      Decision d,
      ServiceDefinition.Orders orders,
      Binding binding,
      Assessment assessment,
      PatientData data,
      CardFactory.Context ctx,
      Instant now,
      List<Recommendation> recommendations) {
    if (assessment.scored()) {
      return orderChangesNothing(orders, binding, assessment, ctx)
          ? d.assessed(
              assessment,
              List.of(),
              "Already treated and at the treatment target: the order does not change the"
                  + " estimate, so no card.")
          : d.assessed(
              assessment,
              List.of(cards.scored(assessment, ctx, recommendations)),
              null,
              recommendations);
    }
    if (silent(service, assessment, data, now)) {
      return d.assessed(assessment, List.of(), null);
    }
    return d.assessed(
        assessment,
        List.of(cards.refused(assessment, ctx, recommendations)),
        null,
        recommendations);
  }

  /**
   * The facts of the selected orders ({@code selected.statinIntensity} …): per topic the service
   * compares, the first selected draft order of the topic's medication.
   */
  private List<FeatureValue> selected(
      ServiceDefinition service, CdsRequest request, ModelRegistry.Served served) {
    List<org.hl7.fhir.r4.model.MedicationRequest> drafts =
        DraftOrders.selected(request, fhir.newJsonParser());
    List<FeatureValue> facts = new java.util.ArrayList<>();
    for (String topic : service.clarion().selection()) {
      FeatureValue f =
          BindingExtractor.selected(
              served.recommendations().topics().get(topic).treatment().on(),
              served.binding(),
              drafts);
      if (f != null) {
        facts.add(f);
      }
    }
    return facts;
  }

  /** The medications a selection service compares, in words ("statin", …). */
  private static List<String> treatments(ServiceDefinition service, ModelRegistry.Served served) {
    return service.clarion().selection().stream()
        .map(t -> served.recommendations().topics().get(t).treatment().what())
        .toList();
  }

  /**
   * An order for a patient already on that treatment and already at its target (the treatment
   * what-if does not apply) changes nothing the card could say: no card at signing.
   */
  private static boolean orderChangesNothing(
      ServiceDefinition.Orders orders,
      Binding binding,
      Assessment assessment,
      CardFactory.Context ctx) {
    if (orders == null || CardFactory.treatment(assessment, ctx) != null) {
      return false;
    }
    FeatureValue treated = assessment.extraction().feature(orders.matchInput());
    Binding.Input input = binding.inputs().get(orders.matchInput());
    return treated != null
        && treated.value() != null
        && input.present() != null
        && treated.value().equals(input.present());
  }

  /**
   * No "not calculated" card where the clinician cannot act on it: refusals the service's card
   * policy keeps quiet (by default missing data on patient-view), children, and patients outside
   * the population a service is for (its {@code cardOnlyWhen}): such cards on every chart are
   * noise.
   */
  private static boolean silent(
      ServiceDefinition service, Assessment assessment, PatientData data, Instant now) {
    Extraction extraction = assessment.extraction();
    if (!service.clarion().showsRefusalCard(service.hook(), assessment.reasonCode())) {
      return true;
    }
    Integer below = service.clarion().silentBelowAge();
    FeatureValue age = extraction.feature("age");
    OptionalInt years =
        age != null && age.value() != null
            ? OptionalInt.of(age.value().intValue())
            : Demographics.ageAt(data.patient(), LocalDate.ofInstant(now, ZoneOffset.UTC));
    if (below != null && years.isPresent() && years.getAsInt() < below) {
      return true;
    }
    ServiceDefinition.Below only = service.clarion().cardOnlyWhen();
    if (only == null) {
      return false;
    }
    FeatureValue v = extraction.feature(only.input());
    return v == null || v.value() == null || !(v.value() < only.below());
  }

  private CdsRequest parse(byte[] body) {
    if (body == null || body.length == 0) {
      throw new InvalidRequestException("malformed-json", "The request body is empty.");
    }
    try {
      CdsRequest request = requestReader.readValue(body, CdsRequest.class);
      if (request == null) {
        throw new InvalidRequestException(
            "malformed-json", "The request body is not a JSON object.");
      }
      return request;
    } catch (JsonProcessingException e) {
      throw new InvalidRequestException(
          "malformed-json",
          "The request body is not a valid CDS Hooks request (malformed JSON or wrong field types).");
    } catch (IOException e) {
      throw new InvalidRequestException("malformed-json", "The request body could not be read.");
    }
  }

  private static String validate(ServiceDefinition service, CdsRequest request) {
    if (request.hook() == null || request.hook().isBlank()) {
      throw new InvalidRequestException("missing-hook", "The request has no 'hook'.");
    }
    if (!service.hook().equals(request.hook())) {
      throw new InvalidRequestException(
          "hook-mismatch",
          "This service answers '" + service.hook() + "', not the hook in the request.");
    }
    if (request.hookInstance() == null || request.hookInstance().isBlank()) {
      throw new InvalidRequestException(
          "missing-hook-instance", "The request has no 'hookInstance'.");
    }
    if (request.context() == null || !request.context().isObject()) {
      throw new InvalidRequestException("missing-context", "The request has no 'context' object.");
    }
    String patientId = request.contextString("patientId");
    if (patientId == null) {
      throw new InvalidRequestException(
          "missing-patient", "The request has no 'context.patientId'.");
    }
    return patientId;
  }

  private void commit(ServiceDefinition service, Decision decision, long start) {
    try (Telemetry.Stage record = telemetry.stage("record", service.id())) {
      record.span().setAttribute(Telemetry.DECISION, decision.id().toString());
      try {
        recorder.record(decision, Duration.ofNanos(System.nanoTime() - start));
      } catch (DecisionRecorder.ReplayedToken e) {
        record.failed("replayed-jti");
        throw e; // the caller answers a bare 401; nothing was recorded
      } catch (RuntimeException e) {
        record.failed("record-unavailable");
        // Log the failure class only: the record holds patient references.
        LOG.errorf("Decision %s could not be recorded: %s", decision.id(), e.getClass().getName());
        telemetry.call(service.id(), service.hook(), "unrecorded", 503, System.nanoTime() - start);
        throw new RecordUnavailableException(e);
      }
    }
    telemetry.called(
        service.id(),
        service.hook(),
        decision.outcome().name().toLowerCase(),
        decision.httpStatus(),
        System.nanoTime() - start,
        decision.id(),
        decision.reasonCode(),
        decision.model() == null ? null : decision.model().id(),
        decision.model() == null ? null : decision.model().version());
  }
}
