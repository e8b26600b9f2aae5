package dev.clarion.fhir;

import com.fasterxml.jackson.databind.JsonNode;

/** What fetching one prefetch query from the FHIR server gave. */
public sealed interface Fetched {

  /**
   * @param value the resource, or a searchset Bundle holding the entries of every page read
   * @param pages pages read
   * @param truncated whether more pages existed than were read
   */
  record Found(JsonNode value, int pages, boolean truncated) implements Fetched {}

  /** The server says there is nothing (a read answered 404 or 410). */
  record NoData() implements Fetched {}

  /** Could not be had; the reason is shown to the caller and recorded (never the token). */
  record Failed(String reason) implements Fetched {}
}
