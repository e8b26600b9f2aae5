package dev.clarion.recommend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.catalogue.ModelRegistry;
import dev.clarion.error.DefinitionException;
import dev.clarion.terminology.ValueSetLibrary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A recommendations file with a mistake stops the load, naming the file and the field: ranges of a
 * topic that overlap or leave a gap, two overrides of the same precedence, a value the model does
 * not have, a suggested code that is not in its published value set.
 */
class RecommendationFilesTest {

  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  /** The prevent-cvd rules, changed by {@code edit}, loaded as the server would. */
  RecommendationRules load(Consumer<ObjectNode> edit) throws Exception {
    ObjectNode file =
        (ObjectNode)
            JSON.readTree(Path.of("models/prevent-cvd", RecommendationFiles.FILE).toFile());
    edit.accept(file);
    Files.writeString(dir.resolve(RecommendationFiles.FILE), JSON.writeValueAsString(file));
    ModelRegistry.Served served = Patients.served("prevent-cvd");
    return RecommendationFiles.load(
        dir,
        served.model().descriptor(),
        served.binding(),
        ValueSetLibrary.load(Path.of("models", ValueSetLibrary.FOLDER), JSON));
  }

  String refused(Consumer<ObjectNode> edit) {
    return assertThrows(DefinitionException.class, () -> load(edit)).getMessage();
  }

  static ObjectNode rule(ObjectNode file, String id) {
    for (var r : (ArrayNode) file.get("rules")) {
      if (r.get("id").asText().equals(id)) {
        return (ObjectNode) r;
      }
    }
    throw new AssertionError(id);
  }

  @Test
  void theShippedFileLoads() throws Exception {
    RecommendationRules rules = load(f -> {});
    assertEquals(2, rules.topics().size());
  }

  @Test
  void aGapBetweenRangesIsNamed() {
    String m =
        refused(
            f ->
                ((ObjectNode) rule(f, "dyslipidemia-2026-borderline").get("range"))
                    .put("atLeast", 0.031));
    assertTrue(m.contains(RecommendationFiles.FILE), m);
    assertTrue(m.contains("dyslipidemia-2026-borderline") && m.contains("leaves a gap"), m);
  }

  @Test
  void anOverlapIsNamed() {
    String m =
        refused(
            f -> ((ObjectNode) rule(f, "dyslipidemia-2026-low").get("range")).put("below", 0.04));
    assertTrue(m.contains("overlaps"), m);
  }

  @Test
  void bothEndsHoldingTheSameValueIsAnOverlap() {
    String m =
        refused(
            f -> {
              ObjectNode range = (ObjectNode) rule(f, "dyslipidemia-2026-low").get("range");
              range.remove("below");
              range.put("atMost", 0.03);
            });
    assertTrue(m.contains("both hold"), m);
  }

  @Test
  void theLastRangeMustBeOpen_andTheFirstMustStartTheLadder() {
    assertTrue(
        refused(
                f ->
                    ((ObjectNode) rule(f, "dyslipidemia-2026-high").get("range")).put("below", 0.5))
            .contains("unbounded above"));
    assertTrue(
        refused(
                f ->
                    ((ObjectNode) rule(f, "dyslipidemia-2026-low").get("range"))
                        .put("atLeast", 0.001))
            .contains("must start the ladder"));
  }

  @Test
  void twoOverridesOfOnePrecedenceAreRefused() {
    String m = refused(f -> rule(f, "dyslipidemia-2026-diabetes").put("precedence", 30));
    assertTrue(m.contains("precedence") && m.contains("say which wins"), m);
  }

  @Test
  void aValueTheModelDoesNotHaveIsNamed() {
    String m =
        refused(
            f ->
                ((ObjectNode) rule(f, "dyslipidemia-2026-diabetes").get("when"))
                    .putObject("hba1c")
                    .put("atLeast", 6.5));
    assertTrue(m.contains("when.hba1c") && m.contains("names no value"), m);
  }

  @Test
  void aSuggestedCodeMustBeInItsValueSet_withItsDisplay() {
    String notMember =
        refused(
            f ->
                ((ObjectNode) f.get("orderables").get("statin-high").get("code"))
                    .put("code", "617312"));
    assertTrue(
        notMember.contains("orderables.statin-high.code") && notMember.contains("not a member"),
        notMember);
    String display =
        refused(
            f ->
                ((ObjectNode) f.get("orderables").get("statin-high").get("code"))
                    .put("display", "Atorvastatin 40mg"));
    assertTrue(display.contains("code.display"), display);
    String noValueSet =
        refused(f -> ((ObjectNode) f.get("orderables").get("statin-high")).remove("valueSet"));
    assertTrue(noValueSet.contains("published value set"), noValueSet);
  }

  @Test
  void everyRuleCitesItsSection_andAReviewHasADate() {
    assertTrue(
        refused(f -> rule(f, "dyslipidemia-2026-high").remove("section")).contains("section"));
    String review =
        refused(
            f ->
                rule(f, "dyslipidemia-2026-high")
                    .putObject("review")
                    .put("by", "Dr A")
                    .put("on", "soon"));
    assertTrue(review.contains("review.on"), review);
  }

  @Test
  void aReviewedRuleActivatesInAProductionRun() throws Exception {
    RecommendationRules rules =
        load(
            f ->
                rule(f, "dyslipidemia-2026-high")
                    .putObject("review")
                    .put("by", "A. Clinician, MD (cardiology)")
                    .put("on", "2026-12-01"));
    var a = GuidelineRulesTest.prevent(0.2);
    var lipid =
        Recommender.evaluate(rules, a, true).stream()
            .filter(r -> r.topic().equals("lipid-lowering"))
            .findFirst()
            .orElseThrow();
    assertEquals(Recommender.Status.APPLIES, lipid.status());
    assertEquals("statin-high", lipid.offered().get(0).key());
  }

  @Test
  void aTreatmentMustBeReadFromMedicationOrdersAndARuleLevelNeedsOne() {
    String notMedication =
        refused(f -> ((ObjectNode) f.at("/topics/lipid-lowering/treatment")).put("on", "ldl"));
    assertTrue(
        notMedication.contains("topics.lipid-lowering.treatment.on")
            && notMedication.contains("MedicationRequest"),
        notMedication);
    String noLowerLevel =
        refused(f -> rule(f, "dyslipidemia-2026-high").putObject("treatment").put("atMost", 3));
    assertTrue(
        noLowerLevel.contains("dyslipidemia-2026-high") && noLowerLevel.contains("lowest level"),
        noLowerLevel);
    String noTopicTreatment =
        refused(f -> ((ObjectNode) f.at("/topics/lipid-lowering")).remove("treatment"));
    assertTrue(noTopicTreatment.contains("needs a treatment on topic"), noTopicTreatment);
    String level =
        refused(
            f ->
                ((ObjectNode) f.at("/topics/lipid-lowering/treatment/levels"))
                    .put("high", "high-intensity statin"));
    assertTrue(level.contains("levels.high") && level.contains("not a number"), level);
  }
}
