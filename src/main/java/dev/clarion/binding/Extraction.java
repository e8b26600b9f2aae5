package dev.clarion.binding;

import java.util.List;

/**
 * Everything found in the patient's data for one model.
 *
 * @param features one value per model input, in the model's input order
 * @param exclusions reasons the patient is outside the intended population (e.g. ASCVD history),
 *     each naming its source resource
 * @param notes other remarks (wrong-patient resources dropped, unsupported units …)
 * @param basis references of every resource a value was taken from
 */
public record Extraction(
    List<FeatureValue> features, List<String> exclusions, List<String> notes, List<String> basis) {

  public FeatureValue feature(String name) {
    return features.stream().filter(f -> f.name().equals(name)).findFirst().orElse(null);
  }
}
