package dev.clarion.audit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/**
 * Writes decision records. {@link #record} returns only after the transaction has committed, so a
 * caller that sends its response after this call never answers without a durable record; any
 * failure surfaces as an exception. Thread-safe.
 */
@ApplicationScoped
public class DecisionRecorder {

  private final EntityManager em;

  DecisionRecorder(EntityManager em) {
    this.em = em;
  }

  @Transactional(Transactional.TxType.REQUIRES_NEW)
  public void record(DecisionRecord record) {
    em.persist(record);
  }
}
