package dev.clarion.cds.api;

import java.util.List;
import java.util.Optional;

/**
 * The CDS services Clarion offers, for the capabilities that only need to name them (client
 * registration, the auditor page). Implemented by the service registry of package {@code cds}.
 */
public interface ServiceCatalog {

  /** The service with this id, if offered. */
  Optional<ServiceDefinition> find(String id);

  /** Every service offered, by id. */
  List<ServiceDefinition> all();
}
