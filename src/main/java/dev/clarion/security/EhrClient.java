package dev.clarion.security;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A registered EHR (CDS client). Never serialized to callers directly; see {@link ClientView}. */
@Entity
@Table(name = "ehr_client")
public class EhrClient {

  @Id public UUID id;

  @Column(nullable = false)
  public String iss;

  /** Empty string when the client sends no {@code tenant} claim. */
  @Column(nullable = false)
  public String tenant = "";

  @Column(nullable = false)
  public String name;

  /** Public JWK Set registered out of band; null when keys come from {@link #jwksUrls}. */
  @JdbcTypeCode(SqlTypes.JSON)
  public JsonNode jwks;

  @Column(name = "jwks_urls", nullable = false)
  @JdbcTypeCode(SqlTypes.JSON)
  public List<String> jwksUrls = new ArrayList<>();

  /** CDS service ids this client may call. */
  @Column(nullable = false)
  @JdbcTypeCode(SqlTypes.JSON)
  public List<String> services = new ArrayList<>();

  /** FHIR server base URLs this client may hand Clarion as {@code fhirServer}. */
  @Column(name = "fhir_servers", nullable = false)
  @JdbcTypeCode(SqlTypes.JSON)
  public List<String> fhirServers = new ArrayList<>();

  @Column(nullable = false)
  public boolean enabled;

  @Version public long version;

  @Column(name = "created_at", nullable = false)
  public Instant createdAt;

  @Column(name = "created_by", nullable = false)
  public String createdBy;

  @Column(name = "updated_at", nullable = false)
  public Instant updatedAt;

  @Column(name = "updated_by", nullable = false)
  public String updatedBy;
}
