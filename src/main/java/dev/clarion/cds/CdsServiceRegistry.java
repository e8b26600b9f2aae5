package dev.clarion.cds;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.binding.Binding;
import dev.clarion.catalogue.ModelRegistry;
import dev.clarion.cds.api.Hook;
import dev.clarion.cds.api.ServiceCatalog;
import dev.clarion.cds.api.ServiceDefinition;
import dev.clarion.error.DefinitionException;
import dev.clarion.imaging.ImageModels;
import dev.clarion.imaging.ImagingConfig;
import dev.clarion.model.OnnxModel;
import dev.clarion.risk.Assessment;
import dev.clarion.risk.ScenarioSource;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * The CDS services defined in {@link CdsConfig#definitionsDir()}, loaded and validated once at
 * start-up: a bad file stops the server with a message naming the file and field. Immutable
 * afterwards, hence thread-safe.
 */
@Startup
@ApplicationScoped
public class CdsServiceRegistry implements ScenarioSource, ServiceCatalog {

  private static final Logger LOG = Logger.getLogger(CdsServiceRegistry.class);
  private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  private static final Pattern TOKEN = Pattern.compile("\\{\\{([^}]*)}}");
  private static final Pattern CODE_PARAM = Pattern.compile("[?&]code=([^&]*)");

  private final Map<String, ServiceDefinition> services;
  private final Map<String, Path> files;

  CdsServiceRegistry(
      CdsConfig config,
      ModelRegistry models,
      ImageModels imageModels,
      ImagingConfig imaging,
      ObjectMapper mapper) {
    ObjectMapper reader = mapper.copy().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    Map<String, ServiceDefinition> loaded = new LinkedHashMap<>();
    Map<String, Path> loadedFiles = new LinkedHashMap<>();
    Path dir = config.definitionsDir();
    if (!Files.isDirectory(dir)) {
      throw new DefinitionException(dir, "definitions-dir", "is not a folder");
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
        ServiceDefinition def = read(file, reader);
        if (isImaging(def)) {
          checkImaging(file, def, imageModels);
          if (!imaging.enabled()) {
            LOG.infof(
                "CDS service %s (imaging, model %s) is off: clarion.imaging.enabled is false",
                def.id(), def.clarion().model());
            continue;
          }
        } else {
          check(file, def, models.catalogue());
        }
        if (loaded.putIfAbsent(def.id(), def) != null) {
          throw new DefinitionException(file, "id", "'" + def.id() + "' is defined twice");
        }
        loadedFiles.put(def.id(), file);
        LOG.infof(
            "CDS service %s on %s runs model %s%s%s",
            def.id(),
            def.hook(),
            def.clarion().model(),
            def.clarion().shadow() == null
                ? ""
                : ", with "
                    + def.clarion().shadow().model()
                    + " "
                    + def.clarion().shadow().version()
                    + " in shadow",
            def.clarion().isSilent() ? " (silent: no card is ever shown)" : "");
      }
    } catch (IOException e) {
      throw new DefinitionException(dir, "cannot list service definitions", e);
    }
    this.services = Map.copyOf(loaded);
    this.files = Map.copyOf(loadedFiles);
  }

  /**
   * Checks every service against a model catalogue about to be activated: its model is there, and
   * the model's inputs are still reachable through the service's prefetch.
   *
   * @throws DefinitionException naming the service file and field
   */
  public void checkAgainst(ModelRegistry.Catalogue next) {
    for (ServiceDefinition def : services.values()) {
      if (!isImaging(def)) {
        check(files.get(def.id()), def, next);
      }
    }
  }

  /**
   * Checks every imaging service against a set of imaging models about to be activated: its model
   * is still there.
   *
   * @throws DefinitionException naming the service file and field
   */
  public void checkImagingAgainst(ImageModels.Loaded next) {
    for (ServiceDefinition def : services.values()) {
      if (isImaging(def) && !next.models().containsKey(def.clarion().model())) {
        throw new DefinitionException(
            files.get(def.id()),
            "clarion.model",
            "names no imaging model (models/" + def.clarion().model() + "/image-model.json)");
      }
    }
  }

  /** Whether a service runs an imaging model ({@code clarion.imaging}). */
  public static boolean isImaging(ServiceDefinition def) {
    return def.clarion() != null && def.clarion().imaging() != null;
  }

  /**
   * An imaging service: on patient-view, its model an imaging model of the models folder, its
   * studies a prefetch key searching ImagingStudy; none of the tabular models' options.
   */
  static void checkImaging(Path file, ServiceDefinition def, ImageModels imageModels) {
    validate(file, def, Map.of());
    ServiceDefinition.Clarion c = def.clarion();
    if (!"patient-view".equals(def.hook())) {
      throw new DefinitionException(file, "hook", "an imaging service answers patient-view");
    }
    if (c.model() == null || imageModels.find(c.model()).isEmpty()) {
      throw new DefinitionException(
          file,
          "clarion.model",
          "names no imaging model (models/" + c.model() + "/image-model.json)");
    }
    String key = c.imaging().studies();
    String template = key == null || def.prefetch() == null ? null : def.prefetch().get(key);
    if (template == null || !template.startsWith("ImagingStudy?")) {
      throw new DefinitionException(
          file, "clarion.imaging.studies", "must name a prefetch key searching ImagingStudy");
    }
    if (c.orders() != null
        || c.selection() != null
        || c.shadow() != null
        || c.cardOnlyWhen() != null
        || c.refusalCards() != null) {
      throw new DefinitionException(
          file,
          "clarion",
          "orders, selection, shadow, cardOnlyWhen and refusalCards do not apply to an imaging"
              + " service");
    }
  }

  private static void check(Path file, ServiceDefinition def, ModelRegistry.Catalogue catalogue) {
    Map<String, OnnxModel> models = catalogue.models();
    validate(file, def, models);
    Binding binding = catalogue.bindings().get(def.clarion().model());
    checkPrefetchCovers(file, def, binding);
    checkOrders(file, def, binding, models);
    checkSelection(file, def, catalogue);
    checkShadow(file, def, catalogue);
  }

  /**
   * A {@code selection} belongs to order-select, not beside {@code orders}, and names topics of the
   * model's recommendation rules that say which medication they recommend ({@code treatment}).
   */
  static void checkSelection(Path file, ServiceDefinition def, ModelRegistry.Catalogue catalogue) {
    List<String> selection = def.clarion().selection();
    if (selection == null) {
      return;
    }
    if (!def.hook().equals("order-select")) {
      throw new DefinitionException(file, "clarion.selection", "only applies to order-select");
    }
    if (def.clarion().orders() != null) {
      throw new DefinitionException(
          file, "clarion.selection", "cannot be combined with clarion.orders (choose one)");
    }
    if (selection.isEmpty()) {
      throw new DefinitionException(file, "clarion.selection", "names no topic");
    }
    var rules =
        catalogue
            .served(def.clarion().model())
            .map(ModelRegistry.Served::recommendations)
            .orElseThrow();
    for (String topic : selection) {
      var t = rules.topics().get(topic);
      if (t == null || t.treatment() == null) {
        throw new DefinitionException(
            file,
            "clarion.selection",
            "names '"
                + topic
                + "', which is not a topic with a treatment in the recommendations of model "
                + def.clarion().model());
      }
    }
  }

  /**
   * The model version a service scores in shadow, from this catalogue; empty when the service has
   * none, or when it names the version the service itself runs (after that candidate was activated:
   * nothing left to compare).
   */
  public static Optional<ModelRegistry.Served> shadow(
      ServiceDefinition def, ModelRegistry.Catalogue catalogue) {
    ServiceDefinition.Shadow shadow = def.clarion().shadow();
    if (shadow == null || isActiveVersion(def, catalogue)) {
      return Optional.empty();
    }
    return catalogue.version(shadow.model(), shadow.version());
  }

  private static boolean isActiveVersion(ServiceDefinition def, ModelRegistry.Catalogue catalogue) {
    ServiceDefinition.Shadow shadow = def.clarion().shadow();
    OnnxModel own = catalogue.models().get(def.clarion().model());
    return shadow.model().equals(def.clarion().model())
        && own != null
        && own.descriptor().version().equals(shadow.version());
  }

  /**
   * A shadow names an exact version the catalogue holds (active, or a candidate beside it), scored
   * on the same scale as the service's model, whose inputs the service's prefetch can return.
   */
  static void checkShadow(Path file, ServiceDefinition def, ModelRegistry.Catalogue catalogue) {
    ServiceDefinition.Shadow shadow = def.clarion().shadow();
    if (shadow == null) {
      return;
    }
    if (shadow.model() == null || shadow.version() == null) {
      throw new DefinitionException(
          file, "clarion.shadow", "needs a model and the exact version to score in shadow");
    }
    ModelRegistry.Served candidate =
        catalogue
            .version(shadow.model(), shadow.version())
            .orElseThrow(
                () ->
                    new DefinitionException(
                        file,
                        "clarion.shadow",
                        "names "
                            + shadow.model()
                            + " "
                            + shadow.version()
                            + ", which is neither the active version of that model nor a"
                            + " candidate in models/"
                            + shadow.model()
                            + "/"
                            + ModelRegistry.CANDIDATES
                            + "/"
                            + shadow.version()
                            + "/"));
    if (isActiveVersion(def, catalogue)) {
      LOG.warnf(
          "Service %s: its shadow %s %s is the version it runs; the shadow is idle",
          def.id(), shadow.model(), shadow.version());
      return;
    }
    OnnxModel own = catalogue.models().get(def.clarion().model());
    if (candidate.model().descriptor().points() != own.descriptor().points()) {
      throw new DefinitionException(
          file,
          "clarion.shadow",
          "scores on another scale (points or risk) than model "
              + def.clarion().model()
              + ": the two cannot be compared");
    }
    checkPrefetchCovers(file, def, candidate.binding());
  }

  @Override
  public Optional<ServiceDefinition> find(String id) {
    return Optional.ofNullable(services.get(id));
  }

  /**
   * A service id as a metric label or span attribute: the id of a known service, else {@code
   * unknown} — never what a caller chose (an unbounded, caller-made set of series).
   */
  public String label(String id) {
    return services.containsKey(id) ? id : "unknown";
  }

  @Override
  public List<Assessment.Scenario> forService(String serviceId) {
    return find(serviceId).map(CdsServiceRegistry::scenarios).orElse(List.of());
  }

  /** What a service scores beside the patient's own inputs: the ordered treatment, if any. */
  static List<Assessment.Scenario> scenarios(ServiceDefinition service) {
    ServiceDefinition.Orders orders = service.clarion().orders();
    return orders == null
        ? List.of()
        : List.of(Assessment.Scenario.of(orders.whatIf().label(), orders.whatIf().set()));
  }

  @Override
  public List<ServiceDefinition> all() {
    return services.values().stream().sorted((a, b) -> a.id().compareTo(b.id())).toList();
  }

  private static ServiceDefinition read(Path file, ObjectMapper reader) {
    try {
      return reader.readValue(file.toFile(), ServiceDefinition.class);
    } catch (IOException e) {
      throw new DefinitionException(
          file, "is not a valid service definition: " + e.getMessage(), e);
    }
  }

  static void validate(Path file, ServiceDefinition def, Map<String, OnnxModel> models) {
    if (def.id() == null || !ID.matcher(def.id()).matches()) {
      throw new DefinitionException(file, "id", "must be lower-case letters, digits and '-'");
    }
    Hook hook =
        Hook.of(def.hook() == null ? "" : def.hook())
            .orElseThrow(() -> new DefinitionException(file, "hook", "is not a supported hook"));
    if (def.description() == null || def.description().isBlank()) {
      throw new DefinitionException(file, "description", "is required");
    }
    if (def.prefetch() != null) {
      for (Map.Entry<String, String> entry : def.prefetch().entrySet()) {
        validateTemplate(file, "prefetch." + entry.getKey(), entry.getValue(), hook);
      }
    }
    if (def.clarion() == null || def.clarion().model() == null) {
      throw new DefinitionException(file, "clarion.model", "is required");
    }
    if (isImaging(def)) {
      return; // checkImaging
    }
    if (!models.containsKey(def.clarion().model())) {
      throw new DefinitionException(
          file, "clarion.model", "names unknown model '" + def.clarion().model() + "'");
    }
    if (def.clarion().cardOnlyWhen() != null
        && models
                .get(def.clarion().model())
                .descriptor()
                .featureIndex(def.clarion().cardOnlyWhen().input())
            < 0) {
      throw new DefinitionException(
          file, "clarion.cardOnlyWhen.input", "is not an input of the model");
    }
    if (def.clarion().refusalCards() != null) {
      for (var policy : def.clarion().refusalCards().entrySet()) {
        if (!ServiceDefinition.Clarion.REFUSAL_CODES.contains(policy.getKey())
            || policy.getValue() == null) {
          throw new DefinitionException(
              file,
              "clarion.refusalCards." + policy.getKey(),
              "must be a refusal code (missing-input, out-of-range, excluded) set to true or"
                  + " false");
        }
      }
    }
    if (def.clarion().optionalPrefetch() != null) {
      for (String key : def.clarion().optionalPrefetch()) {
        if (def.prefetch() == null || !def.prefetch().containsKey(key)) {
          throw new DefinitionException(
              file, "clarion.optionalPrefetch", "names unknown prefetch key '" + key + "'");
        }
      }
    }
  }

  /**
   * An {@code orders} block belongs to an order hook, names a medication input of the binding, and
   * sets model inputs to values inside their validated ranges.
   */
  static void checkOrders(
      Path file, ServiceDefinition def, Binding binding, Map<String, OnnxModel> models) {
    ServiceDefinition.Orders orders = def.clarion().orders();
    boolean orderHook = def.hook().equals("order-sign") || def.hook().equals("order-select");
    if (def.clarion().selection() != null) {
      return; // checkSelection
    }
    if (orders == null) {
      if (orderHook) {
        throw new DefinitionException(
            file,
            "clarion.orders",
            "is required on "
                + def.hook()
                + " (which orders to answer), unless the service compares selections"
                + " (clarion.selection, order-select)");
      }
      return;
    }
    if (!orderHook) {
      throw new DefinitionException(
          file, "clarion.orders", "only applies to order-sign and order-select");
    }
    Binding.Input input =
        orders.matchInput() == null ? null : binding.inputs().get(orders.matchInput());
    if (input == null || input.source() != Binding.Source.MEDICATION_REQUEST) {
      throw new DefinitionException(
          file, "clarion.orders.matchInput", "must name a MedicationRequest input of the binding");
    }
    if (orders.description() == null
        || orders.whatIf() == null
        || orders.whatIf().label() == null
        || orders.whatIf().set() == null
        || orders.whatIf().set().isEmpty()) {
      throw new DefinitionException(
          file, "clarion.orders", "needs a description and a whatIf with a label and inputs");
    }
    var model = models.get(def.clarion().model()).descriptor();
    for (Map.Entry<String, Double> set : orders.whatIf().set().entrySet()) {
      int i = model.featureIndex(set.getKey());
      if (i < 0) {
        throw new DefinitionException(
            file, "clarion.orders.whatIf.set." + set.getKey(), "is not an input of the model");
      }
      var f = model.features().get(i);
      if ((f.min() != null && set.getValue() < f.min())
          || (f.max() != null && set.getValue() > f.max())) {
        throw new DefinitionException(
            file, "clarion.orders.whatIf.set." + set.getKey(), "is outside the validated range");
      }
    }
  }

  /**
   * Every FHIR input of the model must be obtainable through some prefetch query: a query on its
   * resource type with no code filter, or whose code filter lists one of its codes.
   */
  static void checkPrefetchCovers(Path file, ServiceDefinition def, Binding binding) {
    Map<String, String> prefetch = def.prefetch() == null ? Map.of() : def.prefetch();
    for (Map.Entry<String, Binding.Input> input : binding.inputs().entrySet()) {
      Binding.Input in = input.getValue().observed();
      if (!covered(prefetch, in.source().resourceType(), in.match(), in.componentOf())) {
        throw new DefinitionException(
            file,
            "prefetch",
            "has no query that can return input '"
                + input.getKey()
                + "' ("
                + in.source().resourceType()
                + ") of model "
                + binding.model());
      }
    }
    if (binding.exclusions() != null) {
      for (Binding.Exclusion e : binding.exclusions()) {
        if (!covered(prefetch, e.source().resourceType(), e.match(), null)) {
          throw new DefinitionException(
              file, "prefetch", "has no query that can find exclusion '" + e.reason() + "'");
        }
      }
    }
  }

  private static boolean covered(
      Map<String, String> prefetch, String type, Binding.CodeSet match, Binding.CodeSet panels) {
    for (String template : prefetch.values()) {
      if (!template.startsWith(type + "?") && !template.startsWith(type + "/")) {
        continue;
      }
      Matcher code = CODE_PARAM.matcher(template);
      if (!code.find()) {
        return true;
      }
      for (String token : code.group(1).split(",")) {
        int bar = token.indexOf('|');
        String system = bar < 0 ? null : token.substring(0, bar);
        String value = bar < 0 ? token : token.substring(bar + 1);
        if ((match != null && match.matches(system, value))
            || (panels != null && panels.matches(system, value))) {
          return true;
        }
      }
    }
    return false;
  }

  private static void validateTemplate(Path file, String field, String template, Hook hook) {
    if (template == null || template.isBlank()) {
      throw new DefinitionException(file, field, "is empty");
    }
    Matcher m = TOKEN.matcher(template);
    while (m.find()) {
      String token = m.group(1).trim();
      boolean known =
          Hook.USER_TOKENS.contains(token)
              || (token.startsWith("context.")
                  && hook.tokenFields().contains(token.substring("context.".length())));
      if (!known) {
        throw new DefinitionException(
            file,
            field,
            "uses token {{" + token + "}}, not a CDS Hooks 2.0 token of " + hook.code());
      }
    }
  }
}
