package dev.clarion.card;

import dev.clarion.recommend.RecommendationRules;
import dev.clarion.recommend.RecommendationRules.Guideline;
import dev.clarion.recommend.RecommendationRules.Orderable;
import dev.clarion.recommend.RecommendationRules.Rule;
import dev.clarion.recommend.Recommender;
import dev.clarion.recommend.Recommender.Recommendation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Dosage;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;

/**
 * The recommendation part of a card: one line per topic (what the guideline recommends for this
 * patient, with its source and strength, or why none applies), and the FHIR resources a suggestion
 * proposes — a MedicationRequest or ServiceRequest ({@code draft}, {@code proposal}) linked to its
 * reason. Stateless.
 */
final class RecommendationCards {

  /**
   * Code system of Clarion's recommendation rule ids (in the resources' {@code instantiatesUri}).
   */
  static final String RULE_URI = "https://clarion.dev/fhir/recommendation-rule/";

  private RecommendationCards() {}

  /**
   * "**Lipid-lowering therapy:** Start … (ACC/AHA 2026 dyslipidemia guideline, §4.3; class 1, LOE
   * A)."
   */
  static List<String> lines(List<Recommendation> recommendations) {
    List<String> lines = new ArrayList<>();
    for (Recommendation r : recommendations) {
      StringBuilder line = new StringBuilder("**").append(r.topicLabel()).append(":** ");
      switch (r.status()) {
        case APPLIES -> {
          line.append(r.text().trim());
          line.append(" *(").append(source(r.guideline(), r.rule())).append(")*");
          for (Recommender.Suggested s : r.suggested()) {
            if (s.skipped() != null && r.selection() == null) {
              line.append(" No order suggested: ").append(s.skipped().trim());
            }
          }
        }
        case NONE -> line.append("no recommendation applies — ").append(r.text().trim());
        case WITHHELD -> {
          // Awaiting the site's clinical review: recorded and on the explanation page, not on the
          // card (a clinician cannot act on it).
          continue;
        }
      }
      lines.add(line.toString());
    }
    return lines;
  }

  /** "ACC/AHA 2026 dyslipidemia guideline, §4.3.2; class 1, LOE B-R" or "site policy: …". */
  static String source(Guideline g, Rule rule) {
    StringBuilder s = new StringBuilder();
    if (g.sitePolicy()) {
      s.append("site policy, not a guideline: ").append(g.shortTitle());
    } else {
      s.append(g.shortTitle());
    }
    s.append(", ").append(rule.section());
    String strength = rule.strength(g);
    if (!strength.isEmpty()) {
      s.append("; ").append(strength);
    }
    return s.toString();
  }

  /** The profile of a proposed medication order ({@code fhir-profiles/}). */
  static final String MEDICATION_REQUEST_PROFILE =
      "https://clarion.dev/fhir/StructureDefinition/clarion-medicationrequest-proposal";

  /** The profile of a proposed referral or test ({@code fhir-profiles/}). */
  static final String SERVICE_REQUEST_PROFILE =
      "https://clarion.dev/fhir/StructureDefinition/clarion-servicerequest-proposal";

  /**
   * The resource an orderable proposes for this patient, linked to its reason: a {@code reasonCode}
   * saying which result and recommendation it follows, and — when the same suggestion files the
   * RiskAssessment ({@code riskAssessmentId}) — that RiskAssessment by its identifier as supporting
   * information (R4 allows no RiskAssessment in {@code reasonReference}).
   */
  static Resource resource(
      Orderable o,
      Recommendation r,
      String patientId,
      Instant time,
      Identifier riskAssessmentId,
      String reasonText) {
    String rule = RULE_URI + r.rule().id() + "|" + r.rule().version();
    Reference subject = new Reference("Patient/" + patientId);
    Reference support =
        riskAssessmentId == null
            ? null
            : new Reference().setType("RiskAssessment").setIdentifier(riskAssessmentId);
    CodeableConcept reasonCode = new CodeableConcept().setText(reasonText);
    CodeableConcept code = code(o);
    if ("MedicationRequest".equals(o.resourceType())) {
      MedicationRequest m = new MedicationRequest();
      m.getMeta().addProfile(MEDICATION_REQUEST_PROFILE);
      m.setStatus(MedicationRequest.MedicationRequestStatus.DRAFT);
      m.setIntent(MedicationRequest.MedicationRequestIntent.PROPOSAL);
      m.setMedication(code);
      m.setSubject(subject);
      m.setAuthoredOnElement(new DateTimeType(Date.from(time)));
      m.addInstantiatesUri(rule);
      if (o.dosage() != null) {
        m.addDosageInstruction(new Dosage().setText(o.dosage()));
      }
      m.addReasonCode(reasonCode);
      if (support != null) {
        m.addSupportingInformation(support);
      }
      return m;
    }
    ServiceRequest s = new ServiceRequest();
    s.getMeta().addProfile(SERVICE_REQUEST_PROFILE);
    s.setStatus(ServiceRequest.ServiceRequestStatus.DRAFT);
    s.setIntent(ServiceRequest.ServiceRequestIntent.PROPOSAL);
    s.setCode(code);
    if (o.category() != null) {
      s.addCategory(
          new CodeableConcept(
              new Coding(o.category().system(), o.category().code(), o.category().display())));
    }
    s.setSubject(subject);
    s.setAuthoredOnElement(new DateTimeType(Date.from(time)));
    s.addInstantiatesUri(rule);
    s.addReasonCode(reasonCode);
    if (support != null) {
      s.addSupportingInfo(support);
    }
    return s;
  }

  private static CodeableConcept code(Orderable o) {
    if (o.code() == null) {
      return new CodeableConcept().setText(o.text());
    }
    RecommendationRules.Coding c = o.code();
    return new CodeableConcept(new Coding(c.system(), c.code(), c.display()))
        .setText(o.text() == null ? c.display() : o.text());
  }
}
