package dev.clarion.cds;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.catalogue.ModelConfig;
import dev.clarion.catalogue.ModelRegistry;
import dev.clarion.error.DefinitionException;
import java.nio.file.Files;
import java.nio.file.Path;
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
    new CdsServiceRegistry(config(Path.of("cds-hooks")), models, JSON);
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

  private static void assertMessage(Path dir, String prefix) {
    DefinitionException e =
        assertThrows(
            DefinitionException.class, () -> new CdsServiceRegistry(config(dir), models, JSON));
    assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
  }

  private static Path write(Path dir, String name, String text) throws Exception {
    return Files.writeString(dir.resolve(name), text);
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
