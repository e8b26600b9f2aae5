package dev.clarion.security;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.annotations.Immutable;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * One change to a client registration: who did what, when, and the state before and after. Written
 * once and never updated: immutable to Hibernate, so that no dirty check on its JSON columns issues
 * an UPDATE (the application role has no UPDATE grant on this table).
 */
@Entity
@Immutable
@Table(name = "ehr_client_change")
public class EhrClientChange {

  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  public Long id;

  @Column(name = "client_id", nullable = false)
  public UUID clientId;

  @Column(name = "changed_at", nullable = false)
  public Instant changedAt;

  @Column(nullable = false)
  public String actor;

  @Column(nullable = false)
  public String action;

  @JdbcTypeCode(SqlTypes.JSON)
  public JsonNode before;

  @Column(nullable = false)
  @JdbcTypeCode(SqlTypes.JSON)
  public JsonNode after;
}
