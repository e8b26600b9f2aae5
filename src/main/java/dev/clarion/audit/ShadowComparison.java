package dev.clarion.audit;

import dev.clarion.error.InvalidRequestException;
import dev.clarion.risk.Assessment.Outcome;
import dev.clarion.risk.RecordedOutput;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A shadow rollout in numbers: over a time window, the decisions of one service that scored a
 * shadow model version beside its own, compared pair by pair — for each (active version, shadow
 * version) how often both scored, how often one refused what the other scored, how often their
 * bands agree (with the full band-by-band table), and how far the shadow's score lies from the
 * active one's (shadow minus active: fractions of 1 for risks, points for point scores). What a
 * hospital reads before it activates a version on its own patients. Thread-safe.
 */
@ApplicationScoped
public class ShadowComparison {

  static final int MAX_RECORDS = Monitoring.MAX_RECORDS;

  /**
   * @param service the service compared
   * @param from start of the window (inclusive)
   * @param to end of the window (exclusive)
   * @param pairs one per (active version, shadow version) seen in the window, the most frequent
   *     first; empty when the service recorded no shadow in the window
   */
  public record Report(String service, Instant from, Instant to, List<Pair> pairs) {}

  /**
   * @param active the version that answered
   * @param shadow the version scored in shadow
   * @param decisions decisions with both in the window
   * @param outcomes how often each combination of outcomes occurred (active, shadow)
   * @param shadowRefusals the shadow's refusal and failure codes where it did not score, with
   *     counts
   * @param bothScored decisions where both scored
   * @param bandAgreement share of {@code bothScored} in the same band; null when none
   * @param bands how often each (active band, shadow band) occurred where both scored
   * @param difference shadow score minus active score over {@code bothScored}; null when none
   * @param meanShadowMillis the shadow's mean cost per call (extraction and scoring)
   */
  public record Pair(
      Decision.ModelVersion active,
      Decision.ModelVersion shadow,
      long decisions,
      List<OutcomeCell> outcomes,
      Map<String, Long> shadowRefusals,
      long bothScored,
      Double bandAgreement,
      List<BandCell> bands,
      Difference difference,
      double meanShadowMillis) {}

  public record OutcomeCell(Outcome active, Outcome shadow, long count) {}

  public record BandCell(String active, String shadow, long count) {}

  /**
   * Shadow minus active. {@code points}: point scores (differences in points); otherwise risks as
   * fractions of 1 (0.01 is one percentage point).
   */
  public record Difference(
      boolean points,
      double mean,
      double meanAbsolute,
      double medianAbsolute,
      double p95Absolute,
      double maxAbsolute,
      long shadowHigher,
      long shadowLower) {}

  private final AgroalDataSource db;
  private final Clock clock;

  ShadowComparison(AgroalDataSource db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  /**
   * The comparison for a service over [from, to); a null end takes its default (the window ends now
   * and lasts 30 days). 400 when the service is missing or the window does not start before it
   * ends.
   */
  public Report report(String service, Instant windowFrom, Instant windowTo) {
    if (service == null || service.isBlank()) {
      throw new InvalidRequestException(
          "missing-service", "Name the service whose shadow rollout to compare (service=…).");
    }
    Instant to = windowTo == null ? clock.instant() : windowTo;
    Instant from = windowFrom == null ? to.minus(Duration.ofDays(30)) : windowFrom;
    if (!from.isBefore(to)) {
      throw new InvalidRequestException("invalid-window", "The window must start before it ends.");
    }
    Map<String, Accumulator> pairs = new LinkedHashMap<>();
    int n = 0;
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                // The field names are those RecordedOutput and RecordedShadow store.
                "select model_id, model_version, model_sha256, shadow->'model'->>'id',"
                    + " shadow->'model'->>'version', shadow->'model'->>'sha256', outcome,"
                    + " shadow->>'"
                    + RecordedShadow.OUTCOME
                    + "', shadow->>'reasonCode', output->>'"
                    + RecordedOutput.BAND
                    + "', shadow->'"
                    + RecordedShadow.OUTPUT
                    + "'->>'"
                    + RecordedOutput.BAND
                    + "', output->>'"
                    + RecordedOutput.RISK
                    + "', shadow->'"
                    + RecordedShadow.OUTPUT
                    + "'->>'"
                    + RecordedOutput.RISK
                    + "', output->>'"
                    + RecordedOutput.SCALE
                    + "', shadow->>'micros' from decision where service_id = ? and recorded_at"
                    + " >= ? and recorded_at < ? and shadow is not null order by seq limit "
                    + (MAX_RECORDS + 1))) {
      ps.setString(1, service);
      ps.setTimestamp(2, Timestamp.from(from));
      ps.setTimestamp(3, Timestamp.from(to));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if (++n > MAX_RECORDS) {
            throw new InvalidRequestException(
                "too-many", "More than " + MAX_RECORDS + " decisions in the window; narrow it.");
          }
          Decision.ModelVersion active =
              new Decision.ModelVersion(rs.getString(1), rs.getString(2), rs.getString(3));
          Decision.ModelVersion shadow =
              new Decision.ModelVersion(rs.getString(4), rs.getString(5), rs.getString(6));
          boolean points = RecordedOutput.POINTS.equals(rs.getString(14));
          pairs
              .computeIfAbsent(active + "|" + shadow, k -> new Accumulator(active, shadow, points))
              .add(
                  Outcome.valueOf(rs.getString(7)),
                  Outcome.valueOf(rs.getString(8)),
                  rs.getString(9),
                  rs.getString(10),
                  rs.getString(11),
                  number(rs.getString(12)),
                  number(rs.getString(13)),
                  rs.getLong(15));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "shadow comparison query failed: SQLState " + e.getSQLState(), e);
    }
    List<Pair> out =
        pairs.values().stream()
            .map(Accumulator::pair)
            .sorted((a, b) -> Long.compare(b.decisions(), a.decisions()))
            .toList();
    return new Report(service, from, to, out);
  }

  private static Double number(String text) {
    return text == null ? null : Double.valueOf(text);
  }

  /** One (active, shadow) pair's counts as the rows stream by. */
  private static final class Accumulator {
    final Decision.ModelVersion active;
    final Decision.ModelVersion shadow;
    final boolean points;
    long decisions;
    long micros;
    final Map<Map.Entry<Outcome, Outcome>, Long> outcomes = new LinkedHashMap<>();
    final Map<String, Long> refusals = new TreeMap<>();
    final Map<Map.Entry<String, String>, Long> bands = new LinkedHashMap<>();
    final List<Double> differences = new ArrayList<>();

    Accumulator(Decision.ModelVersion active, Decision.ModelVersion shadow, boolean points) {
      this.active = active;
      this.shadow = shadow;
      this.points = points;
    }

    void add(
        Outcome activeOutcome,
        Outcome shadowOutcome,
        String shadowReason,
        String activeBand,
        String shadowBand,
        Double activeScore,
        Double shadowScore,
        long shadowMicros) {
      decisions++;
      micros += shadowMicros;
      outcomes.merge(Map.entry(activeOutcome, shadowOutcome), 1L, Long::sum);
      if (shadowOutcome != Outcome.SCORED && shadowReason != null) {
        refusals.merge(shadowReason, 1L, Long::sum);
      }
      if (activeOutcome == Outcome.SCORED && shadowOutcome == Outcome.SCORED) {
        bands.merge(
            Map.entry(String.valueOf(activeBand), String.valueOf(shadowBand)), 1L, Long::sum);
        if (activeScore != null && shadowScore != null) {
          differences.add(shadowScore - activeScore);
        }
      }
    }

    Pair pair() {
      long both = bands.values().stream().mapToLong(Long::longValue).sum();
      long agree =
          bands.entrySet().stream()
              .filter(e -> e.getKey().getKey().equals(e.getKey().getValue()))
              .mapToLong(Map.Entry::getValue)
              .sum();
      return new Pair(
          active,
          shadow,
          decisions,
          outcomes.entrySet().stream()
              .map(e -> new OutcomeCell(e.getKey().getKey(), e.getKey().getValue(), e.getValue()))
              .toList(),
          Map.copyOf(refusals),
          both,
          both == 0 ? null : (double) agree / both,
          bands.entrySet().stream()
              .map(e -> new BandCell(e.getKey().getKey(), e.getKey().getValue(), e.getValue()))
              .toList(),
          difference(),
          decisions == 0 ? 0 : micros / 1000.0 / decisions);
    }

    private Difference difference() {
      if (differences.isEmpty()) {
        return null;
      }
      double[] d = differences.stream().mapToDouble(Double::doubleValue).toArray();
      double[] abs = Arrays.stream(d).map(Math::abs).sorted().toArray();
      return new Difference(
          points,
          Arrays.stream(d).average().orElseThrow(),
          Arrays.stream(abs).average().orElseThrow(),
          quantile(abs, 0.5),
          quantile(abs, 0.95),
          abs[abs.length - 1],
          Arrays.stream(d).filter(x -> x > 0).count(),
          Arrays.stream(d).filter(x -> x < 0).count());
    }
  }

  /** Linear interpolation between closest ranks (R type 7), of sorted values. */
  static double quantile(double[] sorted, double q) {
    double h = (sorted.length - 1) * q;
    int lo = (int) Math.floor(h);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
  }
}
