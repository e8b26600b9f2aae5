package dev.clarion.recommend;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.binding.Extraction;
import dev.clarion.binding.FeatureValue;
import dev.clarion.catalogue.ModelConfig;
import dev.clarion.catalogue.ModelRegistry;
import dev.clarion.risk.Assessment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Assessments built for rule tests: the model's output and further outputs set to the value under
 * test, and the inputs and recorded facts the rules read. Rules read only these, so a threshold can
 * be tested exactly at its value.
 */
final class Patients {

  private static ModelRegistry registry;

  private Patients() {}

  /** The shipped rules of a model, loaded and checked as the server loads them. */
  static RecommendationRules rules(String model) {
    return served(model).recommendations();
  }

  /** The model as the server serves it: descriptor, binding and rules. */
  static synchronized ModelRegistry.Served served(String model) {
    if (registry == null) {
      registry =
          ModelRegistry.create(
              new ModelConfig() {
                @Override
                public Path dir() {
                  return Path.of("models");
                }

                @Override
                public int intraOpThreads() {
                  return 1;
                }

                @Override
                public Duration watchInterval() {
                  return Duration.ZERO;
                }
              },
              new ObjectMapper());
    }
    return registry.catalogue().served(model).orElseThrow();
  }

  /** A scored assessment. */
  static Builder scored(double risk) {
    return new Builder(Assessment.Outcome.SCORED, risk);
  }

  /** An assessment refused for a missing input. */
  static Builder refused() {
    return new Builder(Assessment.Outcome.REFUSED, null);
  }

  static final class Builder {
    private final Assessment.Outcome outcome;
    private final Double risk;
    private final Map<String, FeatureValue> values = new LinkedHashMap<>();
    private final List<Assessment.AlsoReport> also = new ArrayList<>();
    private final List<Assessment.Attribution> attributions = new ArrayList<>();

    Builder(Assessment.Outcome outcome, Double risk) {
      this.outcome = outcome;
      this.risk = risk;
    }

    /** An input or recorded fact found with this value. */
    Builder with(String name, double value) {
      values.put(name, value(name, value, false));
      return this;
    }

    /** Found, but older than its binding's staleAfterDays. */
    Builder stale(String name, double value) {
      values.put(name, value(name, value, true));
      return this;
    }

    /** Not found. */
    Builder missing(String name) {
      values.put(
          name,
          new FeatureValue(
              name, null, null, null, null, null, FeatureValue.Status.MISSING, false, null));
      return this;
    }

    /** A further output of the model (e.g. ascvd10, risk2y). */
    Builder also(String output, double value) {
      also.add(new Assessment.AlsoReport(output, output, value));
      return this;
    }

    /** An item of a point score and the points it scored. */
    Builder item(String name, double points) {
      attributions.add(new Assessment.Attribution(name, name, 0, 0, points));
      return this;
    }

    Assessment build() {
      return new Assessment(
          outcome,
          outcome == Assessment.Outcome.SCORED ? null : "missing-input",
          List.of(),
          risk,
          null,
          null,
          List.copyOf(attributions),
          List.of(),
          List.copyOf(also),
          List.of(),
          null,
          new Extraction(
              List.copyOf(values.values()), List.of(), List.of(), List.of(), List.of(), List.of()));
    }

    private static FeatureValue value(String name, double v, boolean stale) {
      return new FeatureValue(
          name, v, null, null, "test", null, FeatureValue.Status.OBSERVED, stale, null);
    }
  }
}
