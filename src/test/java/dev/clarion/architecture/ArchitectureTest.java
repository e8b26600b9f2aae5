package dev.clarion.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The package graph of {@code src/main} has no cycle, and each package depends only on the packages
 * the layering in {@code docs/architecture.md} allows it (the table below is that layering). A new
 * package must be added here, with what it may use.
 */
class ArchitectureTest {

  static final String ROOT = "dev.clarion";

  /** Package (below dev.clarion) → the Clarion packages it may depend on, below cds and boot. */
  static final Map<String, Set<String>> BELOW_THE_TOP =
      Map.ofEntries(
          // Leaves: wire types, errors, formatting, run mode, metrics and traces.
          Map.entry("cds.api", Set.of()),
          Map.entry("telemetry", Set.of()),
          Map.entry("error", Set.of()),
          Map.entry("format", Set.of()),
          Map.entry("runtime", Set.of()),
          // Domain: models, terminology, FHIR data, bindings, the catalogue, scoring.
          Map.entry("model", Set.of("error", "format")),
          Map.entry("terminology", Set.of("error")),
          Map.entry("fhir", Set.of("cds.api", "error", "telemetry")),
          Map.entry("binding", Set.of("model", "terminology", "fhir", "error", "format")),
          Map.entry("catalogue", Set.of("model", "binding", "terminology", "recommend", "error")),
          Map.entry("explain", Set.of("model", "error")),
          Map.entry("imaging", Set.of("model", "error", "format")),
          Map.entry("risk", Set.of("model", "binding", "explain", "error", "format")),
          Map.entry("recommend", Set.of("model", "binding", "terminology", "risk", "error")),
          // Presentation helpers, trust, the decision record, cards.
          Map.entry("web", Set.of("model", "terminology", "binding", "format")),
          Map.entry("security", Set.of("cds.api", "fhir", "error", "runtime", "telemetry")),
          Map.entry(
              "audit",
              Set.of(
                  "cds.api",
                  "model",
                  "binding",
                  "catalogue",
                  "risk",
                  "recommend",
                  "web",
                  "format",
                  "error",
                  "runtime",
                  "telemetry")),
          Map.entry(
              "card",
              Set.of(
                  "cds.api",
                  "imaging",
                  "model",
                  "terminology",
                  "binding",
                  "catalogue",
                  "risk",
                  "recommend",
                  "audit",
                  "web",
                  "format",
                  "error")));

  /** The top two layers, which may use every package below them. */
  static final Map<String, Set<String>> TOP = Map.of("cds", Set.of("boot"), "boot", Set.of());

  /**
   * The layering: the table above, and the top layers (each may use all but what sits above it).
   */
  static final Map<String, Set<String>> ALLOWED = allowed();

  static Map<String, Set<String>> allowed() {
    Map<String, Set<String>> all = new java.util.HashMap<>(BELOW_THE_TOP);
    TOP.forEach(
        (top, above) -> {
          Set<String> uses = new java.util.HashSet<>(BELOW_THE_TOP.keySet());
          TOP.keySet().stream()
              .filter(t -> !t.equals(top) && !above.contains(t))
              .forEach(uses::add);
          all.put(top, Set.copyOf(uses));
        });
    return Map.copyOf(all);
  }

  static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages(ROOT);

  static String packageOf(JavaClass c) {
    return c.getPackageName().substring(ROOT.length() + 1);
  }

  @Test
  void noPackageCycles() {
    slices().matching(ROOT + ".(**)").should().beFreeOfCycles().check(CLASSES);
  }

  @Test
  void everyPackageIsInTheLayering() {
    Set<String> packages =
        CLASSES.stream()
            .filter(c -> c.getPackageName().startsWith(ROOT + "."))
            .map(ArchitectureTest::packageOf)
            .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(new TreeSet<>(ALLOWED.keySet()), packages, "packages of src/main vs ALLOWED");
  }

  @Test
  void eachPackageUsesOnlyWhatTheLayeringAllows() {
    for (Map.Entry<String, Set<String>> e : ALLOWED.entrySet()) {
      String[] forbidden =
          ALLOWED.keySet().stream()
              .filter(p -> !p.equals(e.getKey()) && !e.getValue().contains(p))
              .map(p -> ROOT + "." + p)
              .toArray(String[]::new);
      if (forbidden.length == 0) {
        continue;
      }
      noClasses()
          .that()
          .resideInAPackage(ROOT + "." + e.getKey())
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(forbidden)
          .because("docs/architecture.md: " + e.getKey() + " uses only " + e.getValue())
          .check(CLASSES);
    }
  }
}
