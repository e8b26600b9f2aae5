package dev.clarion.cds.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * CDS Hooks 2.0 response. {@code cards} is always written, also when empty: the spec requires
 * {@code "cards": []} when there is no advice, so this record is deliberately not NON_EMPTY.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record CdsResponse(List<Card> cards) {

  public static CdsResponse none() {
    return new CdsResponse(List.of());
  }
}
