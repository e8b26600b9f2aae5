package dev.clarion.binding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.fhir.FhirContextProducer;
import dev.clarion.fhir.PatientData;
import dev.clarion.model.ModelDescriptor;
import dev.clarion.terminology.ValueSetLibrary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;

/**
 * The pre-selection never changes what a model reads: for every shipped binding and every patient
 * record among the repository's FHIR fixtures, the extraction from only the resources {@link
 * Relevance} lets through equals the extraction from all of them.
 */
class RelevanceTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final FhirContext FHIR = FhirContextProducer.warm();
  static final LocalDate TODAY = LocalDate.of(2026, 11, 25);

  @Test
  void skippingWhatCannotContributeChangesNoExtraction() throws Exception {
    ValueSetLibrary valueSets = ValueSetLibrary.load(Path.of("models/value-sets"), JSON);
    BindingExtractor extractor = new BindingExtractor(new UnitConverter());
    List<List<JsonNode>> records = records();
    int compared = 0;
    int skipped = 0;
    int features = 0;
    for (Path file : bindings()) {
      ModelDescriptor model =
          JSON.readValue(file.resolveSibling("model.json").toFile(), ModelDescriptor.class);
      Binding binding = Bindings.load(file, model, new UnitConverter(), valueSets);
      Relevance relevance = Relevance.of(binding);
      for (List<JsonNode> record : records) {
        Extraction all = extractor.extract(model, binding, data(record, r -> true), TODAY);
        Extraction some = extractor.extract(model, binding, data(record, relevance::test), TODAY);
        assertEquals(all, some, file + ": the pre-selection changed the extraction");
        compared++;
        skipped += (int) record.stream().filter(r -> !relevance.test(r)).count();
        features += (int) all.features().stream().filter(f -> f.source() != null).count();
      }
    }
    // The check has teeth: records whose data the models use, and resources actually skipped.
    assertTrue(compared >= 50, "compared " + compared);
    assertTrue(skipped > 500, "skipped " + skipped);
    assertTrue(features > 50, "features read from resources " + features);
  }

  /** Every shipped binding, candidates included. */
  static List<Path> bindings() throws Exception {
    try (Stream<Path> files = Files.walk(Path.of("models"))) {
      return files.filter(p -> p.getFileName().toString().equals("binding.json")).sorted().toList();
    }
  }

  /** Per fixture file that holds a Patient: every resource in it (bundles flattened). */
  static List<List<JsonNode>> records() throws Exception {
    List<List<JsonNode>> records = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> walk =
        Stream.concat(
            Files.walk(Path.of("src/test/resources")), Files.walk(Path.of("cds-hooks")))) {
      files = walk.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    for (Path file : files) {
      JsonNode root;
      try {
        root = JSON.readTree(file.toFile());
      } catch (java.io.IOException e) {
        continue; // not JSON (a deliberately malformed fixture)
      }
      List<JsonNode> resources = new ArrayList<>();
      collect(root, resources);
      if (resources.stream().anyMatch(r -> r.path("resourceType").asText().equals("Patient"))) {
        records.add(resources);
      }
    }
    return records;
  }

  private static void collect(JsonNode node, List<JsonNode> out) {
    if (node.isObject() && node.path("resourceType").isTextual()) {
      String type = node.path("resourceType").asText();
      if (!type.equals("Bundle") && !type.equals("OperationOutcome")) {
        out.add(node);
        return;
      }
    }
    if (node.isContainerNode()) {
      node.forEach(child -> collect(child, out));
    }
  }

  private static PatientData data(List<JsonNode> record, Predicate<JsonNode> keep) {
    Patient patient = null;
    List<Resource> others = new ArrayList<>();
    for (JsonNode json : record) {
      if (!keep.test(json)) {
        continue;
      }
      Resource resource;
      try {
        resource = (Resource) FHIR.newJsonParser().parseResource(json.toString());
      } catch (RuntimeException e) {
        continue; // fixtures of invalid input
      }
      if (resource instanceof Patient p) {
        patient = patient == null ? p : patient;
      } else {
        others.add(resource);
      }
    }
    return new PatientData(patient, List.copyOf(others), List.of(), Map.of(), null);
  }
}
