package dev.clarion.cds;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.audit.DecisionRecord;
import dev.clarion.audit.DecisionRecorder;
import dev.clarion.binding.Binding;
import dev.clarion.binding.BindingExtractor;
import dev.clarion.binding.Extraction;
import dev.clarion.binding.FeatureValue;
import dev.clarion.card.CardFactory;
import dev.clarion.catalogue.ModelRegistry;
import dev.clarion.cds.api.Card;
import dev.clarion.cds.api.CdsRequest;
import dev.clarion.cds.api.CdsResponse;
import dev.clarion.cds.api.ServiceDefinition;
import dev.clarion.error.ClarionException;
import dev.clarion.error.InvalidRequestException;
import dev.clarion.error.NotFoundException;
import dev.clarion.error.RecordUnavailableException;
import dev.clarion.fhir.PatientData;
import dev.clarion.fhir.PatientDataService;
import dev.clarion.model.OnnxModel;
import dev.clarion.risk.Assessment;
import dev.clarion.risk.RiskAssessor;
import dev.clarion.security.CdsCaller;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.stream.Stream;
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
  private final ObjectMapper mapper;
  private final ObjectMapper requestReader;
  private final Clock clock;

  HookService(
      CdsServiceRegistry services,
      ModelRegistry models,
      PatientDataService patientData,
      BindingExtractor extractor,
      RiskAssessor assessor,
      CardFactory cards,
      DecisionRecorder recorder,
      ObjectMapper mapper,
      Clock clock) {
    this.services = services;
    this.models = models;
    this.patientData = patientData;
    this.extractor = extractor;
    this.assessor = assessor;
    this.cards = cards;
    this.recorder = recorder;
    this.mapper = mapper;
    // CDS Hooks 2.0: unknown fields and extensions are ignored.
    this.requestReader = mapper.copy().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    this.clock = clock;
  }

  /**
   * @param service the service called (the caller has been checked to be allowed to call it)
   * @param caller the authenticated caller
   */
  public CdsResponse invoke(
      ServiceDefinition service, CdsCaller caller, byte[] body, String baseUrl) {
    long start = System.nanoTime();
    Instant now = clock.instant();
    DecisionRecord record = new DecisionRecord();
    record.id = UUID.randomUUID();
    record.recordedAt = now;
    record.serviceId = service.id();
    record.clientId = caller.clientId();
    record.clientIss = caller.iss();
    record.clientTenant = caller.tenant();

    List<Card> response;
    try {
      response = decide(service, caller, body, baseUrl, now, record);
    } catch (ClarionException e) {
      fail(record, e.code(), e.getMessage(), e.status());
      commit(record, start);
      throw e;
    } catch (RuntimeException e) {
      fail(record, "internal-error", e.getClass().getName(), 500);
      commit(record, start);
      throw e;
    }
    record.httpStatus = 200;
    commit(record, start);
    return new CdsResponse(response);
  }

  /** The known service with this id, or 404. */
  public ServiceDefinition service(String serviceId) {
    return services
        .find(serviceId)
        .orElseThrow(() -> new NotFoundException("unknown-service", "No such CDS service."));
  }

  private List<Card> decide(
      ServiceDefinition service,
      CdsCaller caller,
      byte[] body,
      String baseUrl,
      Instant now,
      DecisionRecord record) {
    CdsRequest request = parse(body);
    RequestLimits.check(body, request);
    record.hookInstance = request.hookInstance();
    record.hook = request.hook();
    String patientId = validate(service, request);
    record.patientRef = "Patient/" + patientId;
    record.userRef = request.contextString("userId");

    // The binding travels with the model: both come from the same catalogue, even mid-reload.
    ModelRegistry.Served served = models.served(service.clarion().model()).orElseThrow();
    OnnxModel model = served.model();
    Binding binding = served.binding();
    record.modelId = model.descriptor().id();
    record.modelVersion = model.descriptor().version();
    record.modelSha256 = model.sha256();

    ServiceDefinition.Orders orders = service.clarion().orders();
    List<String> ordered = List.of();
    List<Assessment.Scenario> scenarios = List.of();
    if (orders != null) {
      ordered = DraftOrders.matching(request, binding.inputs().get(orders.matchInput()).match());
      if (ordered.isEmpty()) {
        // Nothing this service advises on is being ordered: no card, no FHIR work.
        record.outcome = Assessment.Outcome.REFUSED;
        record.reasonCode = "no-matching-order";
        record.reasons =
            mapper.valueToTree(List.of("No draft order is " + orders.description() + "."));
        record.cardUuids = mapper.createArrayNode();
        record.suggestionUuids = mapper.createArrayNode();
        return List.of();
      }
      scenarios = CdsServiceRegistry.scenarios(service);
    }
    PatientData data =
        patientData.gather(
            service,
            request,
            patientId,
            r -> BindingExtractor.mayContribute(binding, r),
            caller::mayQuery);
    Extraction extraction = extractor.extract(model.descriptor(), binding, data, now);
    ObjectNode inputs = mapper.valueToTree(extraction);
    inputs.set("sources", mapper.valueToTree(data.sources()));
    if (!scenarios.isEmpty()) {
      // Replay scores the same scenarios, even if the service definition changes later.
      inputs.set("scenarios", mapper.valueToTree(scenarios));
    }
    record.inputs = inputs;
    Assessment assessment = assessor.assess(model, extraction, scenarios);

    CardFactory.Context ctx =
        new CardFactory.Context(
            patientId,
            record.id,
            now,
            baseUrl,
            orders == null
                ? null
                : new CardFactory.Order(
                    String.join(", ", ordered) + " (" + orders.description() + ")",
                    orders.whatIf().label()));
    record.outcome = assessment.outcome();
    record.reasonCode = assessment.reasonCode();
    List<Card> result;
    if (assessment.scored()) {
      record.output = assessment.output(mapper);
      record.attributions = mapper.valueToTree(assessment.attributions());
      result =
          orderChangesNothing(orders, binding, assessment, ctx)
              ? List.of()
              : List.of(cards.scored(assessment, ctx));
      if (result.isEmpty()) {
        record.reasons =
            mapper.valueToTree(
                List.of(
                    "Already treated and at the treatment target: the order does not change the"
                        + " estimate, so no card."));
      }
    } else {
      record.reasons = mapper.valueToTree(assessment.reasons());
      result =
          silent(service, assessment, data, now)
              ? List.of()
              : List.of(cards.refused(assessment, ctx));
    }
    record.cardUuids = mapper.valueToTree(result.stream().map(Card::uuid).toList());
    record.suggestionUuids =
        mapper.valueToTree(
            result.stream()
                .flatMap(c -> c.suggestions() == null ? Stream.empty() : c.suggestions().stream())
                .map(Card.Suggestion::uuid)
                .toList());
    return result;
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
            : BindingExtractor.ageAt(data.patient(), LocalDate.ofInstant(now, ZoneOffset.UTC));
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

  private void fail(DecisionRecord record, String code, String message, int status) {
    record.outcome = Assessment.Outcome.FAILED;
    record.reasonCode = code;
    record.reasons = mapper.valueToTree(List.of(message));
    record.httpStatus = status;
    record.output = null;
    record.attributions = null;
    record.cardUuids = null;
    record.suggestionUuids = null;
  }

  private void commit(DecisionRecord record, long start) {
    record.latencyMicros = (System.nanoTime() - start) / 1_000;
    try {
      recorder.record(record);
    } catch (RuntimeException e) {
      // Log the failure class only: the record holds patient references.
      LOG.errorf("Decision %s could not be recorded: %s", record.id, e.getClass().getName());
      throw new RecordUnavailableException(e);
    }
  }
}
