package dev.clarion.cds.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * A CDS service as defined by a file in {@code cds-hooks/}: the discovery fields of CDS Hooks 2.0
 * plus a {@code clarion} block that says how Clarion answers it. Only the discovery fields are
 * served ({@link Discovery}).
 */
public record ServiceDefinition(
    String id,
    String hook,
    String title,
    String description,
    Map<String, String> prefetch,
    String usageRequirements,
    Clarion clarion) {

  /**
   * @param model id of the model under {@code models/} this service runs
   * @param optionalPrefetch prefetch keys the service can do without; every other key is required
   *     and its absence gets 412 (CDS Hooks 2.0 §Prefetch)
   * @param silentBelowAge patients younger than this get {@code "cards": []} instead of a card
   *     explaining why no risk was computed (the decision record still says why)
   * @param cardOnlyWhen when set, a patient who cannot be scored gets a card only if this input was
   *     found and is below the bound (e.g. eGFR &lt; 60 for a CKD model: without it every chart
   *     would get a "not calculated" card); the decision record still says why
   * @param refusalCards per refusal code ({@code missing-input}, {@code out-of-range}, {@code
   *     excluded}): whether a "not calculated" card is shown. A card should be one the clinician
   *     can act on: by default patient-view shows none for missing data (it would sit on every
   *     chart that lacks a lab), and every other refusal — an exclusion or a value outside the
   *     validated range the clinician should know about — gets a card. The decision record keeps
   *     every refusal either way.
   * @param shadow a model version scored in shadow on every call the service scores: recorded in
   *     the same decision, never shown and never used for the card; null for none
   * @param silent {@code true}: the service never answers with a card — its model is scored and
   *     recorded only, to be validated on the hospital's own patients before anyone sees it
   * @param selection for order-select: the recommendation topics (of the model's {@code
   *     recommendations.json}, each with a {@code treatment}) whose medication a selected order is
   *     compared with — the card says whether the selection matches what the topic's rule
   *     recommends for this patient; other orders get no card
   * @param imaging for an imaging model ({@code models/<model>/image-model.json}): which prefetch
   *     key holds the patient's ImagingStudy resources (with their Endpoint); the service answers
   *     only when {@code clarion.imaging.enabled} is on
   */
  public record Clarion(
      String model,
      List<String> optionalPrefetch,
      Integer silentBelowAge,
      Below cardOnlyWhen,
      Map<String, Boolean> refusalCards,
      Orders orders,
      Shadow shadow,
      Boolean silent,
      List<String> selection,
      Imaging imaging) {

    /** The refusal codes a service may set a card policy for. */
    public static final List<String> REFUSAL_CODES =
        List.of("missing-input", "out-of-range", "excluded");

    /** Whether this service only scores and records, never answering with a card. */
    public boolean isSilent() {
      return Boolean.TRUE.equals(silent);
    }

    /** Whether a refusal with this code gets a "not calculated" card on this hook. */
    public boolean showsRefusalCard(String hook, String reasonCode) {
      if (refusalCards != null && refusalCards.containsKey(reasonCode)) {
        return refusalCards.get(reasonCode);
      }
      return !("patient-view".equals(hook) && "missing-input".equals(reasonCode));
    }
  }

  /**
   * For order-select and order-sign: the service answers only when {@code draftOrders} holds a
   * matching medication order, and shows the risk as now and with the treatment.
   *
   * @param matchInput the model input whose binding codes define the medications (e.g. {@code
   *     bpTreated}: any antihypertensive the binding recognises)
   * @param description what the matched orders are, in words ("an antihypertensive")
   * @param whatIf the patient's inputs if the treatment works as intended
   */
  public record Orders(String matchInput, String description, OrderWhatIf whatIf) {}

  /**
   * @param label the change in words ("systolic BP 120 mm Hg on treatment")
   * @param set model inputs and their values with the treatment; shown when the patient's value of
   *     the first one is on the far side of that input's own what-if target (or always, when the
   *     input has none)
   */
  public record OrderWhatIf(String label, Map<String, Double> set) {}

  /**
   * A model version scored in shadow: the active version of {@code model} if it has this version,
   * else its candidate {@code models/<model>/candidates/<version>/}.
   */
  public record Shadow(String model, String version) {}

  /**
   * An imaging service's data: the prefetch key of the patient's studies, e.g. {@code
   * ImagingStudy?patient={{context.patientId}}&modality=DX&_sort=-started&_include=ImagingStudy:endpoint}.
   */
  public record Imaging(String studies) {}

  /** An input and the bound it must be below. */
  public record Below(String input, double below) {}

  /** The discovery view: exactly the fields CDS Hooks 2.0 defines for a service. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Discovery(
      String hook,
      String title,
      String description,
      String id,
      Map<String, String> prefetch,
      String usageRequirements) {}

  public Discovery discovery() {
    return new Discovery(hook, title, description, id, prefetch, usageRequirements);
  }

  public boolean isRequired(String prefetchKey) {
    return clarion.optionalPrefetch() == null || !clarion.optionalPrefetch().contains(prefetchKey);
  }
}
