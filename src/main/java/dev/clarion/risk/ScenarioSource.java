package dev.clarion.risk;

import java.util.List;

/**
 * The scenarios a CDS service assesses beside the patient's own inputs — e.g. the treatment being
 * ordered at order-sign. A decision records the scenarios it was scored with; this is the source
 * for records made before that (replay of an old order-sign decision).
 */
public interface ScenarioSource {

  /** The scenarios service {@code serviceId} scores with today; empty for none or unknown. */
  List<Assessment.Scenario> forService(String serviceId);
}
