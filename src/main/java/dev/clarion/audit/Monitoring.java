package dev.clarion.audit;

import dev.clarion.binding.Demographics;
import dev.clarion.binding.FeatureValue;
import dev.clarion.error.InvalidRequestException;
import dev.clarion.risk.RecordedInputs;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * How a service's model behaves in practice, over a time window: volumes and refusal reasons,
 * feedback and override rate with reasons, the score distribution, drift (population stability
 * index of the score and of every input against a baseline window) and subgroups (sex, age band,
 * race where recorded) with their mean score and override rate. Computed from the decision records
 * and feedback; thread-safe.
 *
 * <p>Drift is measured against a baseline window of the same service (by default the 30 days before
 * the window): the Pooled Cohort Equations ship no reference population distribution. Subgroups
 * come from the demographics every decision records since 2026-12-03 (age band, sex, race and
 * ethnicity read from the Patient, whatever the model); for older records, from the inputs named
 * {@code age}, {@code female} and {@code africanAmerican} where the model had them.
 */
@ApplicationScoped
public class Monitoring {

  static final int MAX_RECORDS = 100_000;
  static final int MIN_BASELINE = 50;

  public record Report(
      String service,
      String model,
      String client,
      Instant from,
      Instant to,
      Map<String, Long> volumes,
      Map<String, Long> refusalReasons,
      Feedback feedback,
      Scores scores,
      Drift drift,
      List<Subgroup> subgroups,
      List<RuleFeedback> rules) {}

  /**
   * Feedback per recommendation rule version: on how many decisions' cards it applied, how often
   * the clinician accepted the orders it proposed (its suggestion), accepted the card otherwise, or
   * overrode it, and the override reasons. Withheld rules are not counted (they were not shown).
   *
   * @param shown decisions where the rule applied
   * @param feedback feedback items on those decisions' cards
   * @param acceptedOrders accepted feedback that accepted this rule's suggestion
   * @param acceptedOtherwise accepted feedback that did not (e.g. filed the risk assessment only)
   * @param overrideRate overridden / feedback; null without feedback
   */
  public record RuleFeedback(
      String rule,
      String version,
      String topic,
      long shown,
      long feedback,
      long acceptedOrders,
      long acceptedOtherwise,
      long overridden,
      Double overrideRate,
      Map<String, Long> reasons) {}

  public record Feedback(
      long total, long accepted, long overridden, Double overrideRate, Map<String, Long> reasons) {}

  /**
   * @param histogram scored decisions per 5-point risk bin: index i counts risks in [5i %, 5(i+1)
   *     %) (the last bin includes 100 %)
   */
  public record Scores(
      long scored,
      Map<String, Long> bands,
      long[] histogram,
      Double mean,
      Double p10,
      Double p50,
      Double p90) {}

  static final int HISTOGRAM_BINS = 20;

  /**
   * @param psi per input and {@code score}; null when the baseline has fewer than {@value
   *     #MIN_BASELINE} scored decisions
   */
  public record Drift(
      Instant baselineFrom,
      Instant baselineTo,
      long baselineScored,
      Map<String, Psi> psi,
      String note) {}

  /** Population stability index: below 0.1 stable, 0.1–0.25 moderate shift, above 0.25 major. */
  public record Psi(double value, String verdict) {}

  public record Subgroup(
      String dimension,
      String group,
      long decisions,
      long scored,
      Double meanRisk,
      long feedback,
      Double overrideRate) {}

  private record Row(
      UUID id,
      String outcome,
      String reason,
      Double risk,
      String band,
      Map<String, Double> inputs,
      Map<String, String> status,
      Demographics demographics) {}

  private final AgroalDataSource db;
  private final Clock clock;

  Monitoring(AgroalDataSource db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  /**
   * The report over [windowFrom, windowTo), with drift against [baselineWindowFrom,
   * baselineWindowTo). A null end takes its default: the window ends now and lasts 30 days before
   * that; the baseline is a window of the same length just before it. Null service, model or client
   * means any. 400 {@code invalid-window} when a window does not start before it ends.
   */
  public Report report(
      String service,
      String model,
      String client,
      Instant windowFrom,
      Instant windowTo,
      Instant baselineWindowFrom,
      Instant baselineWindowTo) {
    Instant to = windowTo == null ? clock.instant() : windowTo;
    Instant from = windowFrom == null ? to.minus(Duration.ofDays(30)) : windowFrom;
    Instant baselineTo = baselineWindowTo == null ? from : baselineWindowTo;
    Instant baselineFrom =
        baselineWindowFrom == null
            ? baselineTo.minus(Duration.between(from, to))
            : baselineWindowFrom;
    if (!from.isBefore(to) || !baselineFrom.isBefore(baselineTo)) {
      throw new InvalidRequestException("invalid-window", "Each window must start before it ends.");
    }
    try (Connection c = db.getConnection()) {
      List<Row> rows = rows(c, service, model, client, from, to);
      List<Row> baseline = rows(c, service, model, client, baselineFrom, baselineTo);
      Map<UUID, List<String[]>> feedback = feedback(c, service, model, client, from, to);
      return new Report(
          service,
          model,
          client,
          from,
          to,
          count(rows, Row::outcome),
          count(rows.stream().filter(r -> r.reason() != null).toList(), Row::reason),
          feedbackOf(feedback.values().stream().flatMap(List::stream).toList()),
          scores(rows),
          drift(baseline, rows, baselineFrom, baselineTo),
          subgroups(rows, feedback),
          rules(c, service, model, client, from, to, feedback));
    } catch (SQLException e) {
      throw new IllegalStateException("monitoring query failed: SQLState " + e.getSQLState(), e);
    }
  }

  private List<Row> rows(
      Connection c, String service, String model, String client, Instant from, Instant to)
      throws SQLException {
    List<Row> rows = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            // Point scores (NEWS2, LACE) are not probabilities: their bands count, their totals
            // stay out of the risk statistics.
            // The field names are those RecordedOutput stores.
            "select id, outcome, reason_code, case when output->>'"
                + RecordedOutput.SCALE
                + "' = '"
                + RecordedOutput.POINTS
                + "' then null else output->>'"
                + RecordedOutput.RISK
                + "' end, output->>'"
                + RecordedOutput.BAND
                + "',"
                + " inputs->'"
                + RecordedInputs.FEATURES
                + "', inputs->'"
                + RecordedInputs.DEMOGRAPHICS
                + "' from decision d where"
                + WINDOW
                + " limit "
                + (MAX_RECORDS + 1))) {
      bind(ps, service, model, client, from, to);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Map<String, Double> inputs = new HashMap<>();
          Map<String, String> status = new HashMap<>();
          String features = rs.getString(6);
          if (features != null) {
            for (FeatureValue f : RecordedInputs.part(features, FeatureValue[].class)) {
              if (f.value() != null) {
                inputs.put(f.name(), f.value());
              }
              status.put(f.name(), f.status() == null ? "" : f.status().name());
            }
          }
          String demographics = rs.getString(7);
          String risk = rs.getString(4);
          rows.add(
              new Row(
                  rs.getObject(1, UUID.class),
                  rs.getString(2),
                  rs.getString(3),
                  risk == null ? null : Double.valueOf(risk),
                  rs.getString(5),
                  inputs,
                  status,
                  demographics == null
                      ? null
                      : RecordedInputs.part(demographics, Demographics.class)));
        }
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
    if (rows.size() > MAX_RECORDS) {
      throw new InvalidRequestException(
          "too-many", "More than " + MAX_RECORDS + " decisions in the window; narrow it.");
    }
    return rows;
  }

  /** Per rule version that applied in the window, its feedback (see {@link RuleFeedback}). */
  private static List<RuleFeedback> rules(
      Connection c,
      String service,
      String model,
      String client,
      Instant from,
      Instant to,
      Map<UUID, List<String[]>> feedback)
      throws SQLException {
    record Key(String rule, String version, String topic) {}
    Map<Key, long[]> counts =
        new TreeMap<>(java.util.Comparator.comparing(Key::rule).thenComparing(Key::version));
    Map<Key, Map<String, Long>> reasons = new HashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "select d.id, r->>'rule', r->>'version', r->>'topic', r->>'suggestion' from decision d"
                + " cross join jsonb_array_elements(d.recommendations) r where d.recommendations"
                + " is not null and r->>'status' = 'applies' and"
                + WINDOW)) {
      bind(ps, service, model, client, from, to);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Key key = new Key(rs.getString(2), rs.getString(3), rs.getString(4));
          String suggestion = rs.getString(5);
          long[] n = counts.computeIfAbsent(key, k -> new long[5]);
          n[0]++;
          for (String[] f : feedback.getOrDefault(rs.getObject(1, UUID.class), List.of())) {
            n[1]++;
            if (f[0].equals("accepted")) {
              boolean ours =
                  suggestion != null
                      && f[2] != null
                      && List.of(f[2].split(" ")).contains(suggestion);
              n[ours ? 2 : 3]++;
            } else {
              n[4]++;
              reasons
                  .computeIfAbsent(key, k -> new TreeMap<>())
                  .merge(f[1] == null ? "(no reason)" : f[1], 1L, Long::sum);
            }
          }
        }
      }
    }
    List<RuleFeedback> out = new ArrayList<>();
    counts.forEach(
        (k, n) ->
            out.add(
                new RuleFeedback(
                    k.rule(),
                    k.version(),
                    k.topic(),
                    n[0],
                    n[1],
                    n[2],
                    n[3],
                    n[4],
                    n[1] == 0 ? null : (double) n[4] / n[1],
                    reasons.getOrDefault(k, Map.of()))));
    return out;
  }

  /**
   * decision id → [outcome, override reason code, accepted suggestion ids (space-separated)] of
   * each feedback item.
   */
  private Map<UUID, List<String[]>> feedback(
      Connection c, String service, String model, String client, Instant from, Instant to)
      throws SQLException {
    Map<UUID, List<String[]>> out = new HashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "select f.decision_id, f.outcome, f.override_reason->>'code', (select"
                + " string_agg(s->>'id', ' ') from jsonb_array_elements(f.accepted_suggestions) s)"
                + " from feedback f join"
                + " decision d on d.id = f.decision_id where"
                + WINDOW)) {
      bind(ps, service, model, client, from, to);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.computeIfAbsent(rs.getObject(1, UUID.class), k -> new ArrayList<>())
              .add(new String[] {rs.getString(2), rs.getString(3), rs.getString(4)});
        }
      }
    }
    return out;
  }

  /**
   * The window and filters of every monitoring query, on the decision aliased {@code d}; {@link
   * #bind} fills its parameters.
   */
  private static final String WINDOW =
      " d.recorded_at >= ? and d.recorded_at < ? and (?::text is null or d.service_id = ?) and"
          + " (?::text is null or d.model_id = ?) and (?::text is null or d.client_iss = ?)";

  private static void bind(
      PreparedStatement ps, String service, String model, String client, Instant from, Instant to)
      throws SQLException {
    ps.setTimestamp(1, Timestamp.from(from));
    ps.setTimestamp(2, Timestamp.from(to));
    int i = 2;
    for (String v : new String[] {service, model, client}) {
      ps.setString(++i, v);
      ps.setString(++i, v);
    }
  }

  private static Feedback feedbackOf(List<String[]> items) {
    long accepted = items.stream().filter(f -> f[0].equals("accepted")).count();
    long overridden = items.size() - accepted;
    Map<String, Long> reasons = new TreeMap<>();
    items.stream()
        .filter(f -> f[0].equals("overridden"))
        .forEach(f -> reasons.merge(f[1] == null ? "(no reason)" : f[1], 1L, Long::sum));
    return new Feedback(
        items.size(),
        accepted,
        overridden,
        items.isEmpty() ? null : (double) overridden / items.size(),
        reasons);
  }

  private static Scores scores(List<Row> rows) {
    double[] risks =
        rows.stream().filter(r -> r.risk() != null).mapToDouble(Row::risk).sorted().toArray();
    Map<String, Long> bands =
        count(rows.stream().filter(r -> r.band() != null).toList(), Row::band);
    long[] histogram = new long[HISTOGRAM_BINS];
    for (double risk : risks) {
      histogram[Math.min(HISTOGRAM_BINS - 1, (int) Math.floor(risk * HISTOGRAM_BINS))]++;
    }
    if (risks.length == 0) {
      return new Scores(0, bands, histogram, null, null, null, null);
    }
    return new Scores(
        risks.length,
        bands,
        histogram,
        Arrays.stream(risks).average().orElseThrow(),
        quantile(risks, 0.1),
        quantile(risks, 0.5),
        quantile(risks, 0.9));
  }

  private static Drift drift(List<Row> baseline, List<Row> current, Instant from, Instant to) {
    List<Row> base = baseline.stream().filter(r -> r.risk() != null).toList();
    List<Row> now = current.stream().filter(r -> r.risk() != null).toList();
    if (base.size() < MIN_BASELINE || now.isEmpty()) {
      return new Drift(
          from,
          to,
          base.size(),
          null,
          "Drift needs at least "
              + MIN_BASELINE
              + " scored decisions in the baseline window and"
              + " one in the window; the baseline has "
              + base.size()
              + ".");
    }
    Map<String, Psi> psi = new TreeMap<>();
    psi.put(
        "score",
        psi(
            base.stream().mapToDouble(Row::risk).toArray(),
            now.stream().mapToDouble(Row::risk).toArray()));
    TreeSet<String> names = new TreeSet<>();
    base.forEach(r -> names.addAll(r.inputs().keySet()));
    for (String name : names) {
      double[] b =
          base.stream()
              .filter(r -> r.inputs().containsKey(name))
              .mapToDouble(r -> r.inputs().get(name))
              .toArray();
      double[] n =
          now.stream()
              .filter(r -> r.inputs().containsKey(name))
              .mapToDouble(r -> r.inputs().get(name))
              .toArray();
      if (b.length >= MIN_BASELINE && n.length > 0) {
        psi.put(name, psi(b, n));
      }
    }
    return new Drift(from, to, base.size(), psi, null);
  }

  /** PSI over the baseline's deciles (or its distinct values when there are few). */
  static Psi psi(double[] baseline, double[] current) {
    double[] sorted = baseline.clone();
    Arrays.sort(sorted);
    TreeSet<Double> edges = new TreeSet<>();
    double[] distinct = Arrays.stream(sorted).distinct().toArray();
    if (distinct.length <= 10) {
      for (int i = 1; i < distinct.length; i++) {
        edges.add((distinct[i - 1] + distinct[i]) / 2);
      }
    } else {
      for (int q = 1; q < 10; q++) {
        edges.add(quantile(sorted, q / 10.0));
      }
    }
    Double[] cuts = edges.toArray(Double[]::new);
    double[] e = shares(baseline, cuts);
    double[] a = shares(current, cuts);
    double psi = 0;
    for (int i = 0; i < e.length; i++) {
      double ei = Math.max(e[i], 1e-4);
      double ai = Math.max(a[i], 1e-4);
      psi += (ai - ei) * Math.log(ai / ei);
    }
    return new Psi(psi, psi < 0.1 ? "stable" : psi <= 0.25 ? "moderate shift" : "major shift");
  }

  private static double[] shares(double[] values, Double[] cuts) {
    double[] counts = new double[cuts.length + 1];
    for (double v : values) {
      int bin = 0;
      while (bin < cuts.length && v > cuts[bin]) {
        bin++;
      }
      counts[bin]++;
    }
    for (int i = 0; i < counts.length; i++) {
      counts[i] /= values.length;
    }
    return counts;
  }

  private static List<Subgroup> subgroups(List<Row> rows, Map<UUID, List<String[]>> feedback) {
    Map<String, List<Row>> groups = new TreeMap<>();
    for (Row r : rows) {
      Demographics d = r.demographics();
      if (d != null) {
        add(groups, "sex", d.sex(), r);
        add(groups, "ageBand", d.ageBand(), r);
        add(groups, "race", d.race(), r);
        add(groups, "ethnicity", d.ethnicity(), r);
        continue;
      }
      // A record from before demographics were recorded: what the model's inputs say.
      Double female = r.inputs().get("female");
      if (female != null) {
        groups
            .computeIfAbsent(
                "sex\u0000" + (female >= 0.5 ? "female" : "male"), k -> new ArrayList<>())
            .add(r);
      }
      Double age = r.inputs().get("age");
      if (age != null) {
        add(groups, "ageBand", Demographics.ageBand(age), r);
      }
      if (r.status().containsKey("africanAmerican")) {
        String race =
            !"OBSERVED".equals(r.status().get("africanAmerican"))
                ? "not recorded"
                : r.inputs().getOrDefault("africanAmerican", 0.0) >= 0.5
                    ? "Black or African American"
                    : "other recorded race";
        groups.computeIfAbsent("race\u0000" + race, k -> new ArrayList<>()).add(r);
      }
    }
    List<Subgroup> out = new ArrayList<>();
    groups.forEach(
        (key, members) -> {
          String[] k = key.split("\u0000");
          double[] risks =
              members.stream().filter(m -> m.risk() != null).mapToDouble(Row::risk).toArray();
          List<String[]> items =
              members.stream()
                  .flatMap(m -> feedback.getOrDefault(m.id(), List.of()).stream())
                  .toList();
          long overridden = items.stream().filter(f -> f[0].equals("overridden")).count();
          out.add(
              new Subgroup(
                  k[0],
                  k[1],
                  members.size(),
                  risks.length,
                  risks.length == 0 ? null : Arrays.stream(risks).average().orElseThrow(),
                  items.size(),
                  items.isEmpty() ? null : (double) overridden / items.size()));
        });
    return out;
  }

  private static void add(Map<String, List<Row>> groups, String dimension, String group, Row r) {
    groups
        .computeIfAbsent(
            dimension + "\u0000" + (group == null ? "not recorded" : group), k -> new ArrayList<>())
        .add(r);
  }

  private static double quantile(double[] sorted, double q) {
    double pos = q * (sorted.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  }

  private static Map<String, Long> count(
      List<Row> rows, java.util.function.Function<Row, String> key) {
    Map<String, Long> out = new TreeMap<>();
    rows.forEach(r -> out.merge(key.apply(r), 1L, Long::sum));
    return out;
  }
}
