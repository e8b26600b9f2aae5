package dev.clarion.audit;

import dev.clarion.error.InvalidRequestException;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.QueryParam;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The auditor page's filter form, as typed: calendar days in UTC, both inclusive, blanks for "any".
 * It becomes search criteria and the drift baseline window ({@link #baseline}) in one place; a day
 * that does not parse is a 400 naming the field.
 */
public class AuditorFilter {

  /** A time window [from, to); null ends mean the default. */
  record Window(Instant from, Instant to) {}

  @QueryParam("service")
  public String service;

  @QueryParam("client")
  public String client;

  @QueryParam("model")
  public String model;

  @QueryParam("modelVersion")
  public String modelVersion;

  @QueryParam("outcome")
  public String outcome;

  @QueryParam("patient")
  public String patient;

  @QueryParam("from")
  public String from;

  @QueryParam("to")
  public String to;

  /** Drift baseline window (calendar days, inclusive); default: the same length just before. */
  @QueryParam("baselineFrom")
  public String baselineFrom;

  @QueryParam("baselineTo")
  public String baselineTo;

  @QueryParam("page")
  @DefaultValue("0")
  public int page;

  /** The query string of this filter (without the page). */
  public String query() {
    Map<String, String> q = new LinkedHashMap<>();
    q.put("service", service);
    q.put("client", client);
    q.put("model", model);
    q.put("modelVersion", modelVersion);
    q.put("outcome", outcome);
    q.put("patient", patient);
    q.put("from", from);
    q.put("to", to);
    q.put("baselineFrom", baselineFrom);
    q.put("baselineTo", baselineTo);
    StringBuilder s = new StringBuilder();
    q.forEach(
        (k, v) -> {
          if (v != null && !v.isBlank()) {
            s.append(s.isEmpty() ? "" : "&")
                .append(k)
                .append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8));
          }
        });
    return s.toString();
  }

  /** The first day shown: the form's, else {@code defaultFrom}. */
  LocalDate fromDay(LocalDate defaultFrom) {
    return day(from, "from", defaultFrom);
  }

  /** The last day shown (inclusive): the form's, else {@code defaultTo}. */
  LocalDate toDay(LocalDate defaultTo) {
    return day(to, "to", defaultTo);
  }

  /**
   * The search criteria over the days shown (from the first day's start to the last day's end);
   * {@code size} null for all (an export).
   */
  DecisionQueries.Criteria criteria(LocalDate defaultFrom, LocalDate defaultTo, Integer size) {
    return new DecisionQueries.Criteria(
        blank(patient),
        blank(service),
        blank(model),
        blank(modelVersion),
        blank(client),
        blank(outcome),
        start(fromDay(defaultFrom)),
        start(toDay(defaultTo).plusDays(1)),
        size == null ? null : page,
        size);
  }

  /** The drift baseline window; both ends null for the default. */
  Window baseline() {
    if (blank(baselineFrom) == null && blank(baselineTo) == null) {
      return new Window(null, null);
    }
    if (blank(baselineFrom) == null || blank(baselineTo) == null) {
      throw new InvalidRequestException(
          "invalid-baseline", "Give both ends of the baseline window, or neither.");
    }
    return new Window(
        start(day(baselineFrom, "baselineFrom", null)),
        start(day(baselineTo, "baselineTo", null).plusDays(1)));
  }

  private static Instant start(LocalDate day) {
    return day.atStartOfDay(ZoneOffset.UTC).toInstant();
  }

  private static LocalDate day(String text, String field, LocalDate fallback) {
    if (blank(text) == null) {
      return fallback;
    }
    try {
      return LocalDate.parse(text.trim());
    } catch (DateTimeParseException e) {
      throw new InvalidRequestException(
          "invalid-" + field, field + " must be a date like 2026-11-25.");
    }
  }

  private static String blank(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }
}
