package dev.clarion.cds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.catalogue.ModelConfig;
import dev.clarion.catalogue.ModelRegistry;
import dev.clarion.error.DefinitionException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bad data file stops start-up with a message naming the file and the field. */
class DefinitionValidationTest {

  static ModelRegistry models;
  static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void loadModels() {
    models = ModelRegistryAccess.create(Path.of("models"));
  }

  @AfterAll
  static void close() {
    ModelRegistryAccess.close(models);
  }

  @Test
  void acceptsTheShippedDefinitions() {
    registry(config(Path.of("cds-hooks")), models, true);
  }

  @Test
  void unknownPrefetchTokenNamesFileAndField(@TempDir Path dir) throws Exception {
    Path file =
        write(
            dir,
            "bad.json",
            """
            {"id": "x", "hook": "patient-view", "description": "d",
             "prefetch": {"patient": "Patient/{{context.patientIdentifier}}"},
             "clarion": {"model": "ascvd-pce"}}
            """);
    assertMessage(
        dir, file + ": field 'prefetch.patient' uses token {{context.patientIdentifier}}");
  }

  @Test
  void unknownHookNamesTheField(@TempDir Path dir) throws Exception {
    Path file =
        write(
            dir,
            "bad.json",
            """
            {"id": "x", "hook": "patient-vue", "description": "d", "clarion": {"model": "ascvd-pce"}}
            """);
    assertMessage(dir, file + ": field 'hook' is not a supported hook");
  }

  @Test
  void orderServicesMustSayWhichOrdersAndSetValidatedValues(@TempDir Path dir) throws Exception {
    String prefetch =
        "\"prefetch\": {\"patient\": \"Patient/{{context.patientId}}\","
            + " \"obs\": \"Observation?patient={{context.patientId}}\","
            + " \"conditions\": \"Condition?patient={{context.patientId}}\","
            + " \"meds\": \"MedicationRequest?patient={{context.patientId}}\"}";
    Path file =
        write(
            dir,
            "bad.json",
            "{\"id\": \"x\", \"hook\": \"order-sign\", \"description\": \"d\", "
                + prefetch
                + ", \"clarion\": {\"model\": \"ascvd-pce\"}}");
    assertMessage(dir, file + ": field 'clarion.orders' is required on order-sign");
    write(
        dir,
        "bad.json",
        "{\"id\": \"x\", \"hook\": \"order-sign\", \"description\": \"d\", "
            + prefetch
            + ", \"clarion\": {\"model\": \"ascvd-pce\", \"orders\": {\"matchInput\":"
            + " \"hdl\", \"description\": \"x\", \"whatIf\": {\"label\": \"l\","
            + " \"set\": {\"systolicBp\": 120}}}}}");
    assertMessage(dir, file + ": field 'clarion.orders.matchInput' must name a MedicationRequest");
    write(
        dir,
        "bad.json",
        "{\"id\": \"x\", \"hook\": \"order-sign\", \"description\": \"d\", "
            + prefetch
            + ", \"clarion\": {\"model\": \"ascvd-pce\", \"orders\": {\"matchInput\":"
            + " \"bpTreated\", \"description\": \"x\", \"whatIf\": {\"label\": \"l\","
            + " \"set\": {\"systolicBp\": 60}}}}}");
    assertMessage(
        dir,
        file + ": field 'clarion.orders.whatIf.set.systolicBp' is outside the validated range");
  }

  @Test
  void aSelectionServiceNamesTopicsWithATreatment_onOrderSelectOnly(@TempDir Path dir)
      throws Exception {
    com.fasterxml.jackson.databind.node.ObjectNode def =
        (com.fasterxml.jackson.databind.node.ObjectNode)
            JSON.readTree(Path.of("cds-hooks/cvd-order-select.json").toFile());
    Path file = dir.resolve("bad.json");
    ((com.fasterxml.jackson.databind.node.ObjectNode) def.get("clarion"))
        .putArray("selection")
        .add("lipid-lowering")
        .add("kidney");
    write(dir, "bad.json", JSON.writeValueAsString(def));
    assertMessage(
        dir,
        file
            + ": field 'clarion.selection' names 'kidney', which is not a topic with a treatment"
            + " in the recommendations of model prevent-cvd");
    ((com.fasterxml.jackson.databind.node.ObjectNode) def.get("clarion"))
        .putArray("selection")
        .add("lipid-lowering");
    def.put("hook", "order-sign");
    write(dir, "bad.json", JSON.writeValueAsString(def));
    assertMessage(dir, file + ": field 'clarion.selection' only applies to order-select");
  }

  @Test
  void unknownModelNamesTheField(@TempDir Path dir) throws Exception {
    Path file =
        write(
            dir,
            "bad.json",
            """
            {"id": "x", "hook": "patient-view", "description": "d", "clarion": {"model": "nope"}}
            """);
    assertMessage(dir, file + ": field 'clarion.model' names unknown model 'nope'");
  }

  @Test
  void missingDescriptionNamesTheField(@TempDir Path dir) throws Exception {
    Path file =
        write(
            dir,
            "bad.json",
            "{\"id\": \"x\", \"hook\": \"patient-view\", \"clarion\": {\"model\": \"ascvd-pce\"}}");
    assertMessage(dir, file + ": field 'description' is required");
  }

  @Test
  void misspelledFieldIsRejected(@TempDir Path dir) throws Exception {
    Path file =
        write(
            dir,
            "bad.json",
            "{\"id\": \"x\", \"hook\": \"patient-view\", \"descripton\": \"d\", \"clarion\": {\"model\": \"ascvd-pce\"}}");
    assertMessage(dir, file + ": is not a valid service definition");
  }

  @Test
  void tamperedModelArtifactIsRefused(@TempDir Path dir) throws Exception {
    Path model = Files.createDirectories(dir.resolve("ascvd-pce"));
    for (String f : new String[] {"model.json", "model-card.json", "binding.json"}) {
      Files.copy(Path.of("models/ascvd-pce").resolve(f), model.resolve(f));
    }
    byte[] onnx = Files.readAllBytes(Path.of("models/ascvd-pce/ascvd-pce.onnx"));
    onnx[onnx.length - 1] ^= 1;
    Files.write(model.resolve("ascvd-pce.onnx"), onnx);
    DefinitionException e =
        assertThrows(DefinitionException.class, () -> ModelRegistryAccess.create(dir));
    assertTrue(
        e.getMessage().startsWith(model.resolve("model.json") + ": field 'sha256' does not match"),
        e.getMessage());
  }

  @Test
  void prefetchThatCannotReturnAModelInputNamesTheInput(@TempDir Path dir) throws Exception {
    String shipped = Files.readString(Path.of("cds-hooks/ascvd-risk.json"));
    Path file =
        write(
            dir,
            "ascvd-risk.json",
            shipped.replace("http://loinc.org|2085-9", "http://loinc.org|13457-7"));
    assertMessage(
        dir, file + ": field 'prefetch' has no query that can return input 'hdl' (Observation)");
  }

  @Test
  void bindingNamingAValueSetThatIsNotLoadedNamesTheFileAndField(@TempDir Path dir)
      throws Exception {
    Path model = Files.createDirectories(dir.resolve("ascvd-pce"));
    for (String f :
        new String[] {"model.json", "model-card.json", "ascvd-pce.onnx", "binding.json"}) {
      Files.copy(Path.of("models/ascvd-pce").resolve(f), model.resolve(f));
    }
    copyValueSets(dir);
    Files.delete(dir.resolve("value-sets/diabetes.json"));
    DefinitionException e =
        assertThrows(DefinitionException.class, () -> ModelRegistryAccess.create(dir));
    assertTrue(
        e.getMessage()
            .startsWith(
                model.resolve("binding.json")
                    + ": field 'inputs.diabetes.match.valueSets[0]' names value set"
                    + " 'http://cts.nlm.nih.gov/fhir/ValueSet/2.16.840.1.113883.3.464.1003.103.12.1001',"
                    + " which is not in value-sets/"),
        e.getMessage());
  }

  @Test
  void valueSetWithCptCodesIsRefused(@TempDir Path dir) throws Exception {
    copyValueSets(dir);
    Files.writeString(
        dir.resolve("value-sets/dialysis.json"),
        """
        {"resourceType": "ValueSet", "url": "http://example.org/vs/dialysis", "version": "1",
         "title": "Dialysis", "expansion": {"timestamp": "2025-01-01", "contains": [
           {"system": "http://snomed.info/sct", "code": "108241001"},
           {"system": "http://www.ama-assn.org/go/cpt", "code": "90935"}]}}
        """);
    DefinitionException e =
        assertThrows(DefinitionException.class, () -> ModelRegistryAccess.create(dir));
    assertTrue(
        e.getMessage().contains("field 'expansion.contains[1].system' is CPT"), e.getMessage());
  }

  @Test
  void truncatedValueSetExpansionIsRefused(@TempDir Path dir) throws Exception {
    copyValueSets(dir);
    Files.writeString(
        dir.resolve("value-sets/page.json"),
        """
        {"resourceType": "ValueSet", "url": "http://example.org/vs/page", "version": "1",
         "title": "A first page", "expansion": {"total": 1000, "contains": [
           {"system": "http://snomed.info/sct", "code": "108241001"}]}}
        """);
    DefinitionException e =
        assertThrows(DefinitionException.class, () -> ModelRegistryAccess.create(dir));
    assertTrue(e.getMessage().contains("field 'expansion.total' is 1000"), e.getMessage());
  }

  static void copyValueSets(Path dir) throws java.io.IOException {
    Path target = Files.createDirectories(dir.resolve("value-sets"));
    try (var files = Files.list(Path.of("models/value-sets"))) {
      for (Path f : files.toList()) {
        Files.copy(f, target.resolve(f.getFileName()));
      }
    }
  }

  @Test
  void bindingThatMissesAModelInputIsRefused(@TempDir Path dir) throws Exception {
    Path model = Files.createDirectories(dir.resolve("ascvd-pce"));
    for (String f : new String[] {"model.json", "model-card.json", "ascvd-pce.onnx"}) {
      Files.copy(Path.of("models/ascvd-pce").resolve(f), model.resolve(f));
    }
    String binding = Files.readString(Path.of("models/ascvd-pce/binding.json"));
    Files.writeString(model.resolve("binding.json"), binding.replace("\"hdl\":", "\"hdlc\":"));
    copyValueSets(dir);
    DefinitionException e =
        assertThrows(DefinitionException.class, () -> ModelRegistryAccess.create(dir));
    assertTrue(
        e.getMessage()
            .startsWith(
                model.resolve("binding.json")
                    + ": field 'inputs.hdlc' is not an input of the model"),
        e.getMessage());
  }

  @Test
  void aShadowMustNameAVersionTheCatalogueHolds(@TempDir Path dir) throws Exception {
    Path file = kfreWithShadow(dir, "{\"model\": \"kfre\", \"version\": \"1.3.0\"}");
    assertMessage(
        dir,
        file
            + ": field 'clarion.shadow' names kfre 1.3.0, which is neither the active version of"
            + " that model nor a candidate in models/kfre/candidates/1.3.0/");
  }

  @Test
  void aShadowOnAnotherScaleCannotBeCompared(@TempDir Path dir) throws Exception {
    Path file = kfreWithShadow(dir, "{\"model\": \"news2\", \"version\": \"1.0.0\"}");
    assertMessage(
        dir,
        file + ": field 'clarion.shadow' scores on another scale (points or risk) than model kfre");
  }

  @Test
  void aShadowsInputsMustBeReachableThroughThePrefetch(@TempDir Path dir) throws Exception {
    Path file = kfreWithShadow(dir, "{\"model\": \"diabetes-pima\", \"version\": \"1.0.0\"}");
    assertMessage(dir, file + ": field 'prefetch' has no query that can return input 'npreg'");
  }

  @Test
  void aCandidateFolderMustHoldTheVersionItIsNamedFor(@TempDir Path dir) throws Exception {
    Path kfre = copyModel(dir, "kfre");
    Path candidate =
        copyCandidate(Path.of("models/kfre/candidates/1.2.0"), kfre.resolve("candidates/1.3.0"));
    copyValueSets(dir);
    DefinitionException e =
        assertThrows(DefinitionException.class, () -> ModelRegistryAccess.create(dir));
    assertTrue(
        e.getMessage()
            .startsWith(
                candidate.resolve("model.json")
                    + ": field 'version' must equal the candidate's folder name '1.3.0'"),
        e.getMessage());
  }

  @Test
  void aCandidateCannotBeTheActiveVersion(@TempDir Path dir) throws Exception {
    Path kfre = copyModel(dir, "kfre");
    Path candidate = copyCandidate(kfre, kfre.resolve("candidates/1.1.0"));
    copyValueSets(dir);
    DefinitionException e =
        assertThrows(DefinitionException.class, () -> ModelRegistryAccess.create(dir));
    assertTrue(
        e.getMessage()
            .startsWith(
                candidate.resolve("model.json")
                    + ": field 'version' is the active version of the model"),
        e.getMessage());
  }

  /**
   * The catalogue holds the candidate beside the active version; once the candidate is activated
   * (its files become the model's, its folder goes), the service's shadow names the version it runs
   * and idles instead of scoring the same model twice.
   */
  @Test
  void theCandidateIsHeldBesideTheActiveVersionAndIdlesOnceActivated(@TempDir Path dir)
      throws Exception {
    Path models = Files.createDirectories(dir.resolve("models"));
    Path kfre = copyModel(models, "kfre");
    Path candidate =
        copyCandidate(Path.of("models/kfre/candidates/1.2.0"), kfre.resolve("candidates/1.2.0"));
    copyValueSets(models);
    Path services = Files.createDirectories(dir.resolve("cds-hooks"));
    Files.copy(Path.of("cds-hooks/kfre.json"), services.resolve("kfre.json"));
    ModelRegistry registry = ModelRegistryAccess.create(models);
    try {
      CdsServiceRegistry defs = registry(config(services), registry, true);
      var def = defs.find("kfre").orElseThrow();
      var shadow = CdsServiceRegistry.shadow(def, registry.catalogue()).orElseThrow();
      assertEquals("1.2.0", shadow.model().descriptor().version());
      assertEquals("1.1.0", registry.find("kfre").orElseThrow().descriptor().version());

      for (String f : new String[] {"model.json", "model-card.json", "kfre.onnx"}) {
        Files.copy(candidate.resolve(f), kfre.resolve(f), StandardCopyOption.REPLACE_EXISTING);
      }
      for (String f : new String[] {"model.json", "model-card.json", "kfre.onnx", "binding.json"}) {
        Files.delete(candidate.resolve(f));
      }
      ModelRegistry.Catalogue promoted = registry.read();
      defs.checkAgainst(promoted);
      List<String> changes = registry.activate(promoted);
      assertTrue(changes.contains("kfre@1.2.0: candidate removed"), changes.toString());
      assertEquals("1.2.0", registry.find("kfre").orElseThrow().descriptor().version());
      assertTrue(CdsServiceRegistry.shadow(def, registry.catalogue()).isEmpty());
    } finally {
      ModelRegistryAccess.close(registry);
    }
  }

  /**
   * The shipped kfre service with its shadow replaced by {@code shadow}, written to {@code dir}.
   */
  private static Path kfreWithShadow(Path dir, String shadow) throws Exception {
    String shipped = Files.readString(Path.of("cds-hooks/kfre.json"));
    return write(
        dir, "kfre.json", shipped.replace("{\"model\": \"kfre\", \"version\": \"1.2.0\"}", shadow));
  }

  /** A candidate folder holding the four files of the model folder {@code from}. */
  private static Path copyCandidate(Path from, Path candidate) throws java.io.IOException {
    Files.createDirectories(candidate);
    for (String f : new String[] {"model.json", "model-card.json", "kfre.onnx", "binding.json"}) {
      Files.copy(from.resolve(f), candidate.resolve(f));
    }
    return candidate;
  }

  private static Path copyModel(Path dir, String id) throws java.io.IOException {
    Path model = Files.createDirectories(dir.resolve(id));
    try (var files = Files.list(Path.of("models").resolve(id))) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Files.copy(f, model.resolve(f.getFileName()));
      }
    }
    return model;
  }

  private static void assertMessage(Path dir, String prefix) {
    DefinitionException e =
        assertThrows(DefinitionException.class, () -> registry(config(dir), models, true));
    assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
  }

  private static Path write(Path dir, String name, String text) throws Exception {
    return Files.writeString(dir.resolve(name), text);
  }

  static final dev.clarion.imaging.ImageModels IMAGE_MODELS =
      new dev.clarion.imaging.ImageModels(Path.of("models"), 1, JSON);

  /** The registry as the application builds it, imaging services on or off. */
  static CdsServiceRegistry registry(CdsConfig config, ModelRegistry models, boolean imaging) {
    return new CdsServiceRegistry(config, models, IMAGE_MODELS, imagingConfig(imaging), JSON);
  }

  static dev.clarion.imaging.ImagingConfig imagingConfig(boolean enabled) {
    return new dev.clarion.imaging.ImagingConfig() {
      @Override
      public boolean enabled() {
        return enabled;
      }

      @Override
      public java.time.Duration deadline() {
        return java.time.Duration.ofSeconds(3);
      }

      @Override
      public java.time.Duration callTimeout() {
        return java.time.Duration.ofSeconds(2);
      }

      @Override
      public java.util.Map<String, Endpoint> endpoints() {
        return java.util.Map.of();
      }

      @Override
      public CircuitBreaker circuitBreaker() {
        throw new UnsupportedOperationException("not read by the definition checks");
      }
    };
  }

  static CdsConfig config(Path dir) {
    return new CdsConfig() {
      @Override
      public Path definitionsDir() {
        return dir;
      }

      @Override
      public Optional<java.util.List<String>> publicBaseUrl() {
        return Optional.empty();
      }

      @Override
      public Limits admission() {
        throw new UnsupportedOperationException("not read by the definition checks");
      }
    };
  }

  /** Builds a {@link ModelRegistry} outside CDI. */
  static final class ModelRegistryAccess {
    static ModelRegistry create(Path dir) {
      return ModelRegistry.create(
          new ModelConfig() {
            @Override
            public Path dir() {
              return dir;
            }

            @Override
            public int intraOpThreads() {
              return 1;
            }

            @Override
            public java.time.Duration watchInterval() {
              return java.time.Duration.ZERO;
            }
          },
          JSON);
    }

    static void close(ModelRegistry registry) {
      registry.closeAll();
    }
  }
}
