package dev.clarion.cds;

import dev.clarion.audit.Decision;
import dev.clarion.binding.BindingExtractor;
import dev.clarion.binding.Extraction;
import dev.clarion.catalogue.ModelRegistry;
import dev.clarion.fhir.PatientData;
import dev.clarion.model.OnnxModel;
import dev.clarion.risk.Assessment;
import dev.clarion.risk.RiskAssessor;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Scores a service's shadow model version on the patient data its call gathered: the version's own
 * binding extracts its inputs, the same admission rules and explainer as any served model score
 * them. What comes out is recorded beside the decision and never reaches a card; a shadow that
 * throws is recorded as failed and the call goes on. Thread-safe.
 */
@ApplicationScoped
public class ShadowScorer {

  private static final Logger LOG = Logger.getLogger(ShadowScorer.class);

  private final BindingExtractor extractor;
  private final RiskAssessor assessor;

  ShadowScorer(BindingExtractor extractor, RiskAssessor assessor) {
    this.extractor = extractor;
    this.assessor = assessor;
  }

  /** The shadow version's result on this call's data; never throws for a model's failure. */
  public Decision.Shadow score(ModelRegistry.Served candidate, PatientData data, Instant now) {
    long start = System.nanoTime();
    OnnxModel model = candidate.model();
    Decision.ModelVersion version =
        new Decision.ModelVersion(
            model.descriptor().id(), model.descriptor().version(), model.sha256());
    Extraction extraction = null;
    try {
      extraction = extractor.extract(model.descriptor(), candidate.binding(), data, now);
      // No order scenarios: they name the inputs of the service's own model.
      Assessment assessment = assessor.assess(model, extraction, List.of());
      return new Decision.Shadow(version, extraction, assessment, null, micros(start));
    } catch (RuntimeException e) {
      // The class only: a message could quote patient data.
      LOG.warnf(
          "Shadow model %s %s failed: %s", version.id(), version.version(), e.getClass().getName());
      return new Decision.Shadow(version, extraction, null, e.getClass().getName(), micros(start));
    }
  }

  private static long micros(long start) {
    return (System.nanoTime() - start) / 1_000;
  }
}
