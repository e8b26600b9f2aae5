package dev.clarion.audit;

import java.time.Instant;

/**
 * A signed statement by Clarion's decision writer: "I committed records {@code firstSeq} to {@code
 * lastSeq}, chained from {@code prevHash}, the last with hash {@code hash}, at {@code sealedAt}".
 * One per committed batch (table {@code decision_seal}, same transaction); the newest one,
 * published outside the database, is a checkpoint. The signature is Ed25519 over {@link
 * #payload()}, which an auditor can rebuild from the fields and check with {@code openssl pkeyutl
 * -verify -rawin}.
 */
public record Seal(
    long firstSeq,
    long lastSeq,
    String prevHash,
    String hash,
    Instant sealedAt,
    String keyId,
    String signature) {

  /** The exact text signed: five lines, UTF-8, no trailing newline. */
  public String payload() {
    return payload(firstSeq, lastSeq, prevHash, hash, sealedAt);
  }

  static String payload(long first, long last, String prevHash, String hash, Instant at) {
    return "clarion-chain-seal/1\n"
        + first
        + "\n"
        + last
        + "\n"
        + prevHash
        + "\n"
        + hash
        + "\n"
        + at;
  }
}
