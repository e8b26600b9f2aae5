package dev.clarion.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.error.InvalidRequestException;
import dev.clarion.error.JsonStrings;
import dev.clarion.error.RecordUnavailableException;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Keeps what clinicians did with the cards (CDS Hooks 2.0 §Feedback): each item is validated (all
 * of them before anything is stored), linked to its decision through the card uuid, and stored once
 * — the same item sent again (EHRs retry) has the same content hash and is not stored twice.
 * Feedback for a card no decision of this service knows is kept with no decision, not dropped.
 * Thread-safe.
 */
@ApplicationScoped
public class FeedbackService {

  private static final Logger LOG = Logger.getLogger(FeedbackService.class);

  /** What became of one feedback request. */
  public record Summary(int received, int stored, int duplicates, int unknownCards) {}

  private record Item(
      String card,
      String outcome,
      JsonNode acceptedSuggestions,
      JsonNode overrideReason,
      String comment,
      OffsetDateTime outcomeTimestamp) {}

  private final AgroalDataSource db;
  private final ObjectMapper mapper;
  private final Clock clock;

  FeedbackService(AgroalDataSource db, ObjectMapper mapper, Clock clock) {
    this.db = db;
    this.mapper = mapper;
    this.clock = clock;
  }

  public Summary accept(String serviceId, UUID clientId, String clientIss, byte[] body) {
    List<Item> items = parse(body);
    int stored = 0;
    int unknown = 0;
    try (Connection c = db.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement find =
              c.prepareStatement(
                  "select id from decision where service_id = ? and card_uuids @> ?::jsonb"
                      + " limit 1");
          PreparedStatement insert =
              c.prepareStatement(
                  "insert into feedback (received_at, service_id, client_id, client_iss,"
                      + " card_uuid, decision_id, outcome, accepted_suggestions, override_reason,"
                      + " override_comment, outcome_timestamp, content_hash) values (?, ?, ?, ?, ?,"
                      + " ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?) on conflict (content_hash) do"
                      + " nothing")) {
        for (Item item : items) {
          UUID decision = decisionOf(find, serviceId, item.card());
          if (decision == null) {
            unknown++;
          }
          int i = 0;
          insert.setTimestamp(++i, Timestamp.from(clock.instant()));
          insert.setString(++i, serviceId);
          insert.setObject(++i, clientId, Types.OTHER);
          insert.setString(++i, clientIss);
          insert.setString(++i, item.card());
          insert.setObject(++i, decision, Types.OTHER);
          insert.setString(++i, item.outcome());
          insert.setString(++i, text(item.acceptedSuggestions()));
          insert.setString(++i, text(item.overrideReason()));
          insert.setString(++i, item.comment());
          insert.setTimestamp(++i, Timestamp.from(item.outcomeTimestamp().toInstant()));
          insert.setString(++i, hash(serviceId, clientIss, item));
          stored += insert.executeUpdate();
        }
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    } catch (SQLException e) {
      LOG.errorf("Feedback not stored: SQLState %s", e.getSQLState());
      throw new RecordUnavailableException(e);
    }
    return new Summary(items.size(), stored, items.size() - stored, unknown);
  }

  private UUID decisionOf(PreparedStatement find, String serviceId, String card)
      throws SQLException {
    find.setString(1, serviceId);
    find.setString(2, mapper.createArrayNode().add(card).toString());
    try (ResultSet rs = find.executeQuery()) {
      return rs.next() ? rs.getObject(1, UUID.class) : null;
    }
  }

  /** A card uuid is 36 characters; room for clients that send other ids. */
  static final int MAX_CARD = 128;

  static final int MAX_COMMENT = 4000;

  private List<Item> parse(byte[] body) {
    JsonNode root;
    try {
      root = body == null || body.length == 0 ? null : mapper.readTree(body);
    } catch (IOException e) {
      throw invalid("malformed-json", "The request body is not valid JSON.");
    }
    if (root == null || !root.path("feedback").isArray() || root.get("feedback").isEmpty()) {
      throw invalid(
          "missing-feedback", "The body must be {\"feedback\": [ ... ]} with one item or more.");
    }
    if (JsonStrings.mayHoldNul(body) && JsonStrings.hasNul(root)) {
      // PostgreSQL cannot store a NUL in text or jsonb: never valid, so a 400, not "try again".
      throw invalid("invalid-character", "The feedback contains a NUL character (\\u0000).");
    }
    List<Item> items = new ArrayList<>();
    int n = 0;
    for (JsonNode f : root.get("feedback")) {
      String at = "feedback[" + n++ + "]";
      String card = f.path("card").isTextual() ? f.get("card").asText().trim() : "";
      if (card.isEmpty()) {
        throw invalid("missing-card", at + ".card (the card's uuid) is required.");
      }
      if (card.length() > MAX_CARD) {
        throw invalid("invalid-card", at + ".card is longer than " + MAX_CARD + " characters.");
      }
      String outcome = f.path("outcome").asText("");
      if (!outcome.equals("accepted") && !outcome.equals("overridden")) {
        throw invalid("invalid-outcome", at + ".outcome must be 'accepted' or 'overridden'.");
      }
      JsonNode accepted = f.get("acceptedSuggestions");
      if (outcome.equals("accepted")) {
        if (accepted == null || !accepted.isArray() || accepted.isEmpty()) {
          throw invalid(
              "missing-accepted-suggestions",
              at + ".acceptedSuggestions is required when the outcome is 'accepted'.");
        }
        for (JsonNode s : accepted) {
          if (!s.path("id").isTextual()) {
            throw invalid(
                "missing-accepted-suggestions", at + ".acceptedSuggestions[] items need an 'id'.");
          }
        }
      }
      JsonNode override = f.get("overrideReason");
      JsonNode reason = override == null ? null : override.get("reason");
      String comment =
          override != null && override.path("userComment").isTextual()
              ? override.get("userComment").asText()
              : null;
      if (reason != null && !reason.isObject()) {
        throw invalid("invalid-override-reason", at + ".overrideReason.reason must be a Coding.");
      }
      OffsetDateTime timestamp;
      try {
        timestamp = OffsetDateTime.parse(f.path("outcomeTimestamp").asText(""));
      } catch (DateTimeParseException e) {
        throw invalid(
            "invalid-outcome-timestamp",
            at + ".outcomeTimestamp must be an RFC 3339 date-time with offset.");
      }
      if (timestamp.getYear() < 1900 || timestamp.getYear() > 9999) {
        // RFC 3339 has four-digit years; PostgreSQL's range ends before year 300000.
        throw invalid(
            "invalid-outcome-timestamp", at + ".outcomeTimestamp must be within years 1900-9999.");
      }
      if (comment != null && comment.length() > MAX_COMMENT) {
        throw invalid(
            "invalid-override-reason",
            at + ".overrideReason.userComment is longer than " + MAX_COMMENT + " characters.");
      }
      items.add(
          new Item(
              card,
              outcome,
              outcome.equals("accepted") ? accepted : null,
              reason,
              comment,
              timestamp));
    }
    return items;
  }

  /** Same item, same hash: key order and whitespace of the request do not matter. */
  private String hash(String serviceId, String clientIss, Item item) {
    ObjectNode n = mapper.createObjectNode();
    n.set("acceptedSuggestions", sortedOrNull(item.acceptedSuggestions()));
    n.put("card", item.card());
    n.put("clientIss", clientIss);
    n.put("comment", item.comment());
    n.put("outcome", item.outcome());
    n.put("outcomeTimestamp", item.outcomeTimestamp().toInstant().toString());
    n.set("overrideReason", sortedOrNull(item.overrideReason()));
    n.put("serviceId", serviceId);
    try {
      return RecordHasher.sha256(mapper.writeValueAsString(n));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode sortedOrNull(JsonNode node) {
    return node == null ? null : RecordHasher.sorted(node);
  }

  private String text(JsonNode node) {
    return node == null ? null : node.toString();
  }

  private static InvalidRequestException invalid(String code, String message) {
    return new InvalidRequestException(code, message);
  }
}
