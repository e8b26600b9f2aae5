package dev.clarion.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

/**
 * The hash of a decision record: SHA-256 over the previous record's hash, a newline, and the
 * record's canonical JSON — every column but the hash itself, object keys sorted, JSON columns
 * parsed from their text (so the value PostgreSQL's {@code jsonb} gives back hashes the same as the
 * value written). The {@code shadow} column (since V8) is part of the canonical JSON only when it
 * holds a value, so records without one hash as they did before it existed; so is the {@code
 * recommendations} column (since V9), and the {@code imaging} column (since V10). Pure functions;
 * thread-safe.
 */
public final class RecordHasher {

  /** The hash before the first record. */
  public static final String GENESIS = "0".repeat(64);

  private static final ObjectMapper JSON = new ObjectMapper();

  private RecordHasher() {}

  /** The record's columns as they are stored; JSON columns as text. */
  public record Row(
      long seq,
      String prevHash,
      UUID id,
      Instant recordedAt,
      UUID clientId,
      String clientIss,
      String clientTenant,
      String serviceId,
      String hook,
      String hookInstance,
      String patientRef,
      String userRef,
      String outcome,
      String reasonCode,
      String reasons,
      int httpStatus,
      String modelId,
      String modelVersion,
      String modelSha256,
      String inputs,
      String output,
      String attributions,
      String cardUuids,
      String suggestionUuids,
      long latencyMicros,
      String shadow,
      String recommendations,
      String imaging) {}

  public static String hash(Row row) {
    try {
      return sha256(row.prevHash() + "\n" + JSON.writeValueAsString(canonical(row)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** SHA-256 of the text's UTF-8 bytes, as 64 hex digits. */
  static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static ObjectNode canonical(Row r) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.set("attributions", json(r.attributions()));
    n.set("cardUuids", json(r.cardUuids()));
    n.put("clientId", r.clientId() == null ? null : r.clientId().toString());
    n.put("clientIss", r.clientIss());
    n.put("clientTenant", r.clientTenant());
    n.put("hook", r.hook());
    n.put("hookInstance", r.hookInstance());
    n.put("httpStatus", r.httpStatus());
    n.put("id", r.id().toString());
    n.set("inputs", json(r.inputs()));
    n.put("latencyMicros", r.latencyMicros());
    n.put("modelId", r.modelId());
    n.put("modelSha256", r.modelSha256());
    n.put("modelVersion", r.modelVersion());
    n.put("outcome", r.outcome());
    n.set("output", json(r.output()));
    n.put("patientRef", r.patientRef());
    n.put("prevHash", r.prevHash());
    n.put("reasonCode", r.reasonCode());
    n.set("reasons", json(r.reasons()));
    n.put("recordedAt", r.recordedAt().toString());
    n.put("seq", r.seq());
    n.put("serviceId", r.serviceId());
    if (r.shadow() != null) {
      n.set("shadow", json(r.shadow()));
    }
    if (r.imaging() != null) {
      n.set("imaging", json(r.imaging()));
    }
    if (r.recommendations() != null) {
      n.set("recommendations", json(r.recommendations()));
    }
    n.set("suggestionUuids", json(r.suggestionUuids()));
    n.put("userRef", r.userRef());
    return n;
  }

  /** Parses JSON text and sorts object keys recursively; null stays null. */
  private static JsonNode json(String text) {
    if (text == null) {
      return JsonNodeFactory.instance.nullNode();
    }
    try {
      return sorted(JSON.readTree(text));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("stored JSON is not JSON", e);
    }
  }

  /** The same value with object keys sorted recursively (canonical form for hashing). */
  static JsonNode sorted(JsonNode node) {
    if (node.isObject()) {
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      names.sort(null);
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      for (String name : names) {
        out.set(name, sorted(node.get(name)));
      }
      return out;
    }
    if (node.isArray()) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      node.forEach(e -> out.add(sorted(e)));
      return out;
    }
    return node;
  }
}
