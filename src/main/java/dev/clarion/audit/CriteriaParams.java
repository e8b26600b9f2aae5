package dev.clarion.audit;

import jakarta.ws.rs.QueryParam;

/** The audit search criteria as query parameters (shared by search and export). */
public class CriteriaParams {

  @QueryParam("patient")
  String patient;

  @QueryParam("service")
  String service;

  @QueryParam("model")
  String model;

  @QueryParam("modelVersion")
  String modelVersion;

  /** The client's {@code iss}. */
  @QueryParam("client")
  String client;

  @QueryParam("outcome")
  String outcome;

  /** ISO-8601 instant, inclusive. */
  @QueryParam("from")
  String from;

  /** ISO-8601 instant, exclusive. */
  @QueryParam("to")
  String to;

  @QueryParam("page")
  Integer page;

  @QueryParam("size")
  Integer size;

  DecisionQueries.Criteria criteria() {
    return new DecisionQueries.Criteria(
        patient,
        service,
        model,
        modelVersion,
        client,
        outcome,
        DecisionQueries.instant(from, "from"),
        DecisionQueries.instant(to, "to"),
        page,
        size);
  }
}
