package dev.clarion.terminology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.binding.Binding;
import dev.clarion.binding.Bindings;
import dev.clarion.binding.UnitConverter;
import dev.clarion.model.ModelDescriptor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The shipped bindings recognise what EHRs send, through the published value sets in {@code
 * models/value-sets/} (VSAC/eCQM expansions): every clinical drug (SCD) of the CMS22
 * antihypertensive grouper by code and its branded form (SBD, named by RxNorm's convention: the
 * SCD's name followed by the brand in brackets) by name; ingredient codes of every class that has
 * them; every statin intensity; diabetes and ASCVD in SNOMED CT and ICD-10-CM.
 */
class ValueSetMembershipTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final Path MODELS = Path.of("models");
  static final ValueSetLibrary LIBRARY =
      ValueSetLibrary.load(MODELS.resolve(ValueSetLibrary.FOLDER), JSON);
  static final String RX = ValueSetExpansion.RXNORM;
  static final String GROUPER = "http://cts.nlm.nih.gov/fhir/ValueSet/2.16.840.1.113883.3.526.1577";

  static Binding binding(String model) {
    try {
      ModelDescriptor descriptor =
          JSON.readValue(
              MODELS.resolve(model).resolve("model.json").toFile(), ModelDescriptor.class);
      return Bindings.load(
          MODELS.resolve(model).resolve("binding.json"), descriptor, new UnitConverter(), LIBRARY);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static final Binding.CodeSet ANTIHYPERTENSIVE =
      binding("ascvd-pce").inputs().get("bpTreated").match();

  /** Antihypertensive classes by ingredient name, as the value set README groups them. */
  static final Map<String, List<String>> CLASSES = new LinkedHashMap<>();

  static {
    CLASSES.put("ACE inhibitor", List.of("pril", "enalaprilat"));
    CLASSES.put("ARB / ARNI", List.of("sartan", "sacubitril"));
    CLASSES.put("beta blocker", List.of("olol", "alol"));
    CLASSES.put("calcium channel blocker", List.of("dipine", "diltiazem", "verapamil"));
    CLASSES.put(
        "thiazide-type diuretic",
        List.of("thiazide", "chlorthalidone", "indapamide", "metolazone"));
    CLASSES.put("loop diuretic", List.of("furosemide", "bumetanide", "torsemide", "ethacrynic"));
    CLASSES.put(
        "potassium-sparing / MRA",
        List.of("spironolactone", "eplerenone", "amiloride", "triamterene"));
    CLASSES.put("alpha blocker", List.of("azosin"));
    CLASSES.put("central alpha agonist", List.of("clonidine", "guanfacine", "methyldopa"));
    CLASSES.put("direct vasodilator", List.of("hydralazine", "minoxidil"));
    CLASSES.put("renin inhibitor", List.of("aliskiren"));
  }

  static List<String> classesOf(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    List<String> found = new ArrayList<>();
    CLASSES.forEach(
        (cls, stems) -> {
          if (stems.stream().anyMatch(lower::contains)) {
            found.add(cls);
          }
        });
    return found;
  }

  /** RxNorm SBD naming: the SCD's name, first letter capitalised, then the brand in brackets. */
  static String branded(String scd) {
    return Character.toUpperCase(scd.charAt(0)) + scd.substring(1) + " [Testbrand]";
  }

  @Test
  void recognisesEveryGenericAndBrandedClinicalDrugOfEveryAntihypertensiveClass() {
    ValueSetExpansion grouper = LIBRARY.find(GROUPER).orElseThrow();
    Map<String, int[]> byClass = new TreeMap<>();
    List<String> missed = new ArrayList<>();
    int scd = 0;
    for (Map.Entry<String, String> drug : grouper.members().get(RX).entrySet()) {
      scd++;
      Optional<CodeMatch> generic = ANTIHYPERTENSIVE.match(RX, drug.getKey(), drug.getValue());
      // A branded drug's own code is in no published set: only its name can match.
      Optional<CodeMatch> brand =
          ANTIHYPERTENSIVE.match(RX, "sbd-" + scd, branded(drug.getValue()));
      if (generic.isEmpty() || brand.isEmpty()) {
        missed.add(drug.getValue());
      }
      assertEquals(CodeMatch.Via.BRANDED_NAME, brand.map(CodeMatch::via).orElse(null));
      assertEquals(drug.getKey(), brand.get().code(), "the brand maps to its own SCD");
      for (String cls : classesOf(drug.getValue())) {
        byClass.computeIfAbsent(cls, c -> new int[1])[0]++;
      }
    }
    assertEquals(List.of(), missed);
    assertEquals(432, scd);
    StringBuilder counts = new StringBuilder();
    byClass.forEach((cls, n) -> counts.append(cls).append(' ').append(n[0]).append("; "));
    System.out.println(
        "CMS22 antihypertensive clinical drugs recognised: "
            + scd
            + " generic (SCD) by code and "
            + scd
            + " branded (SBD-named) by name; by class (combinations count in each): "
            + counts);
    // Every class the guideline treats hypertension with is in the grouper.
    assertEquals(CLASSES.keySet(), byClass.keySet(), "classes seen: " + byClass.keySet());
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(
      delimiter = ';',
      value = {
        "197499;chlorthalidone 25 MG Oral Tablet",
        "197500;chlorthalidone 50 MG Oral Tablet",
        "310429;furosemide 20 MG Oral Tablet",
        "198223;spironolactone 50 MG Oral Tablet",
        "831054;diltiazem hydrochloride 120 MG Oral Tablet",
        "314076;lisinopril 10 MG Oral Tablet",
        "310798;Hydrochlorothiazide 25 MG Oral Tablet",
      })
  void recognisesTheOrdersTheIssueFoundMissed(String code, String display) {
    assertTrue(ANTIHYPERTENSIVE.match(RX, code, display).isPresent(), display);
  }

  @Test
  void recognisesZestrilByItsRxNormNameAlone() {
    Optional<CodeMatch> m =
        ANTIHYPERTENSIVE.match(RX, "unknown-sbd", "Lisinopril 10 MG Oral Tablet [Zestril]");
    assertEquals(CodeMatch.Via.BRANDED_NAME, m.orElseThrow().via());
    assertEquals("314076", m.get().code());
    assertTrue(m.get().valueSet().startsWith(GROUPER + "|"), m.get().valueSet());
  }

  /**
   * Branded drugs as RxNorm names them (RxNav/RxClass output, e.g. {@code 104378 lisinopril 20 MG
   * Oral Tablet [Zestril]}, {@code 206766 … [Prinivil]}), one or more per class, mapped to the SCD
   * they are named after.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = ';',
      value = {
        "lisinopril 20 MG Oral Tablet [Zestril];314077",
        "lisinopril 20 MG Oral Tablet [Prinivil];314077",
        "hydrochlorothiazide 12.5 MG / lisinopril 20 MG Oral Tablet [Zestoretic];197886",
        "losartan potassium 50 MG Oral Tablet [Cozaar];979492",
        "valsartan 80 MG Oral Tablet [Diovan];349199",
        "sacubitril 49 MG / valsartan 51 MG Oral Tablet [Entresto];1656349",
        "24 HR metoprolol succinate 50 MG Extended Release Oral Tablet [Toprol];866436",
        "carvedilol 25 MG Oral Tablet [Coreg];200033",
        "amlodipine 5 MG Oral Tablet [Norvasc];197361",
        "amlodipine 10 MG / benazepril hydrochloride 20 MG Oral Capsule [Lotrel];898342",
        "24 HR diltiazem hydrochloride 240 MG Extended Release Oral Capsule [Cardizem];830837",
        "chlorthalidone 15 MG Oral Tablet [Thalitone];197498",
        "furosemide 20 MG Oral Tablet [Lasix];310429",
        "spironolactone 25 MG Oral Tablet [Aldactone];313096",
        "clonidine hydrochloride 0.1 MG Oral Tablet [Catapres];884173",
      })
  void recognisesBrandedDrugsByTheirRxNormNames(String sbd, String scd) {
    CodeMatch m = ANTIHYPERTENSIVE.match(RX, "sbd", sbd).orElseThrow(() -> new AssertionError(sbd));
    assertEquals(CodeMatch.Via.BRANDED_NAME, m.via());
    assertEquals(scd, m.code());
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(
      delimiter = ';',
      value = {
        // ACE/ARB/ARNI and beta blockers: the published ingredient value sets
        "29046;lisinopril",
        "52175;losartan",
        "1656328;sacubitril",
        "6918;metoprolol",
        "20352;carvedilol",
        // Classes without a published ingredient set: the binding's documented list
        "17767;amlodipine",
        "3443;diltiazem",
        "2409;chlorthalidone",
        "5487;hydrochlorothiazide",
        "4603;furosemide",
        "9997;spironolactone",
        "298869;eplerenone",
      })
  void recognisesIngredientCodes(String code, String name) {
    assertTrue(ANTIHYPERTENSIVE.match(RX, code, name).isPresent(), name);
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(
      delimiter = ';',
      value = {
        "617310;atorvastatin 20 MG Oral Tablet",
        "860975;24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet",
        "106892;insulin isophane, human 70 UNT/ML / insulin, regular, human 30 UNT/ML"
            + " Injectable Suspension [Humulin]",
        "x;Timolol 0.5 % Ophthalmic Solution [Timoptic]",
        "y;lisinopril 10 MG Oral Tablet",
        "z;Lisinopril 10 MG Oral Tablet [Zestril] extra",
      })
  void recognisesNothingElse(String code, String display) {
    // Names never stand in for codes except in RxNorm's branded form: a generic name with an
    // unknown code is not guessed at.
    assertFalse(ANTIHYPERTENSIVE.match(RX, code, display).isPresent(), display);
  }

  @Test
  void recognisesEveryStatinOfEachIntensityGenericAndBranded() {
    Binding.CodeSet statin = binding("prevent-cvd").inputs().get("statin").match();
    for (String intensity : List.of("1572", "1575", "1574")) {
      ValueSetExpansion vs =
          LIBRARY
              .find("http://cts.nlm.nih.gov/fhir/ValueSet/2.16.840.1.113883.3.526.3." + intensity)
              .orElseThrow();
      assertFalse(vs.members().get(RX).isEmpty());
      vs.members()
          .get(RX)
          .forEach(
              (code, display) -> {
                assertEquals(
                    vs.canonical(),
                    statin.match(RX, code, display).orElseThrow().valueSet(),
                    display + " is matched by its own intensity set first");
                assertTrue(statin.match(RX, "sbd", branded(display)).isPresent(), display);
              });
    }
    for (String ingredient : List.of("83367", "36567", "301542", "42463", "6472", "41127")) {
      assertTrue(statin.matches(RX, ingredient), "statin ingredient " + ingredient);
    }
  }

  @Test
  void recognisesDiabetesInSnomedAndIcd10CmWithOrWithoutTheDot() {
    Binding.CodeSet diabetes = binding("ascvd-pce").inputs().get("diabetes").match();
    ValueSetExpansion vs =
        LIBRARY
            .find("http://cts.nlm.nih.gov/fhir/ValueSet/2.16.840.1.113883.3.464.1003.103.12.1001")
            .orElseThrow();
    int checked = 0;
    for (var system : vs.members().entrySet()) {
      for (String code : system.getValue().keySet()) {
        assertTrue(diabetes.matches(system.getKey(), code), code);
        checked++;
      }
    }
    assertEquals(369, checked);
    assertTrue(diabetes.matches(ValueSetExpansion.ICD10CM, "E119"), "E11.9 sent without the dot");
    assertTrue(diabetes.matches("http://snomed.info/sct", "44054006"), "type 2 diabetes");
    assertFalse(diabetes.matches(ValueSetExpansion.ICD10CM, "O24.4"), "gestational: not in set");
    assertFalse(diabetes.matches(ValueSetExpansion.ICD10CM, "E66.9"), "obesity");
  }

  @Test
  void excludesEveryMemberOfTheClinicalAscvdValueSets() {
    Binding.CodeSet ascvd = binding("ascvd-pce").exclusions().get(0).match();
    assertEquals(8, ascvd.expansions().size());
    for (ValueSetExpansion vs : ascvd.expansions()) {
      vs.members()
          .forEach(
              (system, codes) ->
                  codes.keySet().forEach(code -> assertTrue(ascvd.matches(system, code), code)));
    }
    assertTrue(ascvd.matches("http://snomed.info/sct", "22298006"), "myocardial infarction");
    assertTrue(ascvd.matches(ValueSetExpansion.ICD10CM, "I63.9"), "cerebral infarction");
    assertTrue(ascvd.matches(ValueSetExpansion.ICD10CM, "I71.4"), "aortic aneurysm (listed)");
    assertFalse(ascvd.matches(ValueSetExpansion.ICD10CM, "I10"), "hypertension is not ASCVD");
    Binding.CodeSet cvd = binding("prevent-cvd").exclusions().get(0).match();
    assertTrue(cvd.matches(ValueSetExpansion.ICD10CM, "I50.9"), "PREVENT: heart failure too");
    assertFalse(ascvd.matches(ValueSetExpansion.ICD10CM, "I50.9"), "PCE: heart failure is not");
  }

  @Test
  void keepsEveryShippedFileAsPublished() throws IOException {
    for (ValueSetExpansion vs : LIBRARY.all().values()) {
      assertTrue(vs.url().startsWith("http://cts.nlm.nih.gov/fhir/ValueSet/"), vs.url());
      assertFalse(vs.version().isBlank());
      assertFalse(vs.members().containsKey(ValueSetLibrary.CPT), vs.url());
    }
    try (var files = java.nio.file.Files.list(MODELS.resolve(ValueSetLibrary.FOLDER))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
        JsonNode root = JSON.readTree(f.toFile());
        assertTrue(root.path("expansion").has("timestamp"), f + " keeps its expansion timestamp");
      }
    }
  }
}
