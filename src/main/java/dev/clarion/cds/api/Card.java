package dev.clarion.cds.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A CDS Hooks 2.0 card. Optional members are omitted when empty: "JSON attribute values SHALL NOT
 * be null or empty" (CDS Hooks 2.0 §General).
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Card(
    String uuid,
    String summary,
    String detail,
    Indicator indicator,
    Source source,
    List<Suggestion> suggestions,
    String selectionBehavior,
    List<Coding> overrideReasons,
    List<Link> links) {

  /** Card urgency; spec code set. */
  public enum Indicator {
    INFO,
    WARNING,
    CRITICAL;

    @JsonValue
    public String code() {
      return name().toLowerCase();
    }

    public static Indicator of(String code) {
      return valueOf(code.toUpperCase());
    }
  }

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Source(String label, String url, String icon, Coding topic) {}

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Coding(String system, String code, String display) {}

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Suggestion(
      String label, String uuid, Boolean isRecommended, List<Action> actions) {}

  /**
   * @param resource for {@code create}: the new FHIR resource as JSON
   */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Action(String type, String description, JsonNode resource, String resourceId) {}

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Link(String label, String url, String type) {}
}
