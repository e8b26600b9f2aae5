package dev.clarion.audit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clarion.risk.Assessment.Outcome;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * One decision: who asked about whom, on which hook, with which data, which exact model, what came
 * out and how long it took. Never holds access tokens or JWTs. Never serialized to clients
 * directly. Written only by {@link DecisionWriter} (append-only, hash-chained); read with JPA.
 */
@Entity
@Table(name = "decision")
public class DecisionRecord {

  @Id public UUID id;

  /**
   * The call's token id, inserted into {@code jwt_replay} in the same transaction as this record;
   * not a column of {@code decision}. Null for none.
   */
  @jakarta.persistence.Transient public Decision.Token token;

  /** Place in the hash chain; assigned when the record is written. */
  public Long seq;

  @Column(name = "prev_hash")
  public String prevHash;

  public String hash;

  @Column(name = "recorded_at", nullable = false)
  public Instant recordedAt;

  @Column(name = "hook_instance")
  public String hookInstance;

  /** The verified EHR client; null for an unsigned loopback call (embedded run only). */
  @Column(name = "client_id")
  public UUID clientId;

  @Column(name = "client_iss")
  public String clientIss;

  @Column(name = "client_tenant")
  public String clientTenant;

  @Column(name = "service_id", nullable = false)
  public String serviceId;

  public String hook;

  @Column(name = "patient_ref")
  public String patientRef;

  @Column(name = "user_ref")
  public String userRef;

  @Enumerated(EnumType.STRING)
  @Column(nullable = false)
  public Outcome outcome;

  @Column(name = "reason_code")
  public String reasonCode;

  @JdbcTypeCode(SqlTypes.JSON)
  public JsonNode reasons;

  @Column(name = "http_status", nullable = false)
  public int httpStatus;

  @Column(name = "model_id")
  public String modelId;

  @Column(name = "model_version")
  public String modelVersion;

  @Column(name = "model_sha256")
  public String modelSha256;

  /** Every extracted input with its value, unit, date, status and source resource. */
  @JdbcTypeCode(SqlTypes.JSON)
  public JsonNode inputs;

  /** Risk, band and baseline; null when not scored. */
  @JdbcTypeCode(SqlTypes.JSON)
  public JsonNode output;

  @JdbcTypeCode(SqlTypes.JSON)
  public JsonNode attributions;

  @Column(name = "card_uuids")
  @JdbcTypeCode(SqlTypes.JSON)
  public JsonNode cardUuids;

  @Column(name = "suggestion_uuids")
  @JdbcTypeCode(SqlTypes.JSON)
  public JsonNode suggestionUuids;

  @Column(name = "latency_micros", nullable = false)
  public long latencyMicros;

  /**
   * The model version the service scored in shadow on the same call ({@link RecordedShadow}): never
   * shown, never used for the card; null when the service has none.
   */
  @JdbcTypeCode(SqlTypes.JSON)
  public JsonNode shadow;

  /**
   * Per topic, the recommendation rule that fired (id, version, guideline), its status and the
   * orderables suggested or skipped ({@code Recommender.recorded}); null when the model has no
   * rules or the call ended before its cards.
   */
  @JdbcTypeCode(SqlTypes.JSON)
  public JsonNode recommendations;

  /**
   * An imaging model's result ({@code ImagingResult.toJson}): model pin, preprocessing, DICOM UIDs,
   * pixel hash, probability and band, saliency grid — never the image; null for other models.
   */
  @JdbcTypeCode(SqlTypes.JSON)
  public JsonNode imaging;
}
