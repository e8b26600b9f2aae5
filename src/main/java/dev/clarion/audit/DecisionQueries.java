package dev.clarion.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.error.InvalidRequestException;
import dev.clarion.error.NotFoundException;
import dev.clarion.risk.Assessment.Outcome;
import dev.clarion.risk.RecordedOutput;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.TypedQuery;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** What auditors read: decisions by criteria, one decision with its feedback. Thread-safe. */
@ApplicationScoped
public class DecisionQueries {

  static final int MAX_PAGE_SIZE = 500;

  /** Search criteria; every one optional (null). The window is [from, to). */
  public record Criteria(
      String patient,
      String service,
      String model,
      String modelVersion,
      String client,
      String outcome,
      Instant from,
      Instant to,
      Integer page,
      Integer size) {}

  /** One page of results, newest first. */
  public record Page(long total, int page, int size, List<Summary> items) {}

  /** A decision in a result list. */
  public record Summary(
      UUID id,
      Long seq,
      Instant recordedAt,
      String serviceId,
      String clientIss,
      String patientRef,
      Outcome outcome,
      String reasonCode,
      String modelId,
      String modelVersion,
      Double risk,
      String scale,
      int httpStatus,
      long latencyMicros) {

    /** Whether {@code risk} is a point score's total rather than a fraction. */
    public boolean points() {
      return RecordedOutput.POINTS.equals(scale);
    }
  }

  /** One feedback item, as auditors see it. */
  public record Feedback(
      Instant receivedAt,
      String clientIss,
      String card,
      String outcome,
      JsonNode acceptedSuggestions,
      JsonNode overrideReason,
      String overrideComment,
      Instant outcomeTimestamp) {}

  /** A decision in full, with what clinicians did with its cards. */
  public record Detail(DecisionView decision, List<Feedback> feedback) {}

  private final EntityManager em;
  private final ObjectMapper mapper;

  DecisionQueries(EntityManager em, ObjectMapper mapper) {
    this.em = em;
    this.mapper = mapper;
  }

  public Page search(Criteria c) {
    int page = c.page() == null ? 0 : c.page();
    int size = c.size() == null ? 50 : c.size();
    if (page < 0 || size < 1 || size > MAX_PAGE_SIZE) {
      throw invalid("invalid-page", "page must be ≥ 0 and size 1–" + MAX_PAGE_SIZE + ".");
    }
    Filter filter = filter(c);
    return QuarkusTransaction.joiningExisting()
        .call(
            () -> {
              List<Summary> items = new ArrayList<>();
              for (DecisionRecord r : filter.records(em, page * size, size)) {
                items.add(summary(r));
              }
              return new Page(filter.count(em), page, size, items);
            });
  }

  /**
   * All decisions matching the criteria (newest first), for export.
   *
   * @throws InvalidRequestException if more than {@code limit} match: narrow the criteria
   */
  public List<DecisionRecord> all(Criteria c, int limit) {
    Filter filter = filter(c);
    return QuarkusTransaction.joiningExisting()
        .call(
            () -> {
              long total = filter.count(em);
              if (total > limit) {
                throw invalid(
                    "too-many",
                    total
                        + " decisions match; export at most "
                        + limit
                        + " at a time (narrow the time range).");
              }
              return filter.records(em, 0, limit);
            });
  }

  /** A JPQL where clause with its parameters. */
  private record Filter(String where, Map<String, Object> params) {
    long count(EntityManager em) {
      TypedQuery<Long> q =
          em.createQuery("select count(d) from DecisionRecord d" + where, Long.class);
      params.forEach(q::setParameter);
      return q.getSingleResult();
    }

    List<DecisionRecord> records(EntityManager em, int first, int max) {
      TypedQuery<DecisionRecord> q =
          em.createQuery(
              "from DecisionRecord d" + where + " order by d.recordedAt desc, d.seq desc",
              DecisionRecord.class);
      params.forEach(q::setParameter);
      return q.setFirstResult(first).setMaxResults(max).getResultList();
    }
  }

  private static Filter filter(Criteria c) {
    StringBuilder where = new StringBuilder(" where 1 = 1");
    Map<String, Object> params = new LinkedHashMap<>();
    add(where, params, "patientRef", c.patient());
    add(where, params, "serviceId", c.service());
    add(where, params, "modelId", c.model());
    add(where, params, "modelVersion", c.modelVersion());
    add(where, params, "clientIss", c.client());
    if (c.outcome() != null) {
      try {
        params.put("outcome", Outcome.valueOf(c.outcome().toUpperCase()));
      } catch (IllegalArgumentException e) {
        throw invalid("invalid-outcome", "outcome must be SCORED, REFUSED or FAILED.");
      }
      where.append(" and d.outcome = :outcome");
    }
    if (c.from() != null) {
      params.put("from", c.from());
      where.append(" and d.recordedAt >= :from");
    }
    if (c.to() != null) {
      params.put("to", c.to());
      where.append(" and d.recordedAt < :to");
    }
    return new Filter(where.toString(), params);
  }

  public Detail detail(UUID id) {
    return QuarkusTransaction.joiningExisting()
        .call(
            () -> {
              DecisionRecord r = find(id);
              List<Feedback> feedback = new ArrayList<>();
              @SuppressWarnings("unchecked")
              List<Object[]> rows =
                  em.createNativeQuery(
                          "select received_at, client_iss, card_uuid, outcome,"
                              + " accepted_suggestions::text, override_reason::text,"
                              + " override_comment, outcome_timestamp from feedback"
                              + " where decision_id = :id order by id")
                      .setParameter("id", id)
                      .getResultList();
              for (Object[] row : rows) {
                feedback.add(
                    new Feedback(
                        toInstant(row[0]),
                        (String) row[1],
                        (String) row[2],
                        (String) row[3],
                        json((String) row[4]),
                        json((String) row[5]),
                        (String) row[6],
                        toInstant(row[7])));
              }
              return new Detail(DecisionView.of(r), feedback);
            });
  }

  /** The stored record, or 404. */
  public DecisionRecord find(UUID id) {
    return QuarkusTransaction.joiningExisting()
        .call(
            () -> {
              DecisionRecord r = em.find(DecisionRecord.class, id);
              if (r == null) {
                throw new NotFoundException("unknown-decision", "No decision with this id.");
              }
              return r;
            });
  }

  private static void add(StringBuilder where, Map<String, Object> params, String field, String v) {
    if (v != null && !v.isBlank()) {
      where.append(" and d.").append(field).append(" = :").append(field);
      params.put(field, v.trim());
    }
  }

  private static Summary summary(DecisionRecord r) {
    RecordedOutput output = RecordedOutput.read(r.output);
    return new Summary(
        r.id,
        r.seq,
        r.recordedAt,
        r.serviceId,
        r.clientIss,
        r.patientRef,
        r.outcome,
        r.reasonCode,
        r.modelId,
        r.modelVersion,
        output == null ? null : output.risk(),
        output != null && output.points() ? RecordedOutput.POINTS : null,
        r.httpStatus,
        r.latencyMicros);
  }

  private JsonNode json(String text) {
    try {
      return text == null ? null : mapper.readTree(text);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Instant toInstant(Object value) {
    if (value instanceof Instant i) {
      return i;
    }
    if (value instanceof java.time.OffsetDateTime o) {
      return o.toInstant();
    }
    return value == null ? null : ((java.sql.Timestamp) value).toInstant();
  }

  /** An ISO-8601 instant query parameter (null when not given), or 400 naming it. */
  static Instant instant(String text, String name) {
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw invalid(
          "invalid-" + name,
          "'" + name + "' must be an ISO-8601 instant, e.g. 2026-11-25T00:00:00Z.");
    }
  }

  private static InvalidRequestException invalid(String code, String message) {
    return new InvalidRequestException(code, message);
  }
}
