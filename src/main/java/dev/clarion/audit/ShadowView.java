package dev.clarion.audit;

import dev.clarion.format.Formats;
import dev.clarion.risk.Assessment.Outcome;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What the auditor's shadow page shows of one (active, shadow) pair: the numbers at the top, the
 * outcomes and bands side by side as tables (rows: the active version, columns: the shadow), and
 * the score differences.
 *
 * @param active the active version, as "id version · sha256 …"
 * @param shadow the shadow version, likewise
 * @param tiles decisions, both scored, band agreement, mean absolute difference, shadow cost
 * @param outcomes header row, then one row per active outcome (label, counts per shadow outcome)
 * @param bands header row, then one row per active band; empty when neither scored
 * @param differences the score difference statistics, as name and value
 * @param refusals the shadow's refusal codes where it did not score, with counts
 */
record ShadowView(
    String active,
    String shadow,
    List<OverviewView.Tile> tiles,
    List<List<String>> outcomes,
    List<List<String>> bands,
    List<DecisionDetailView.Pair> differences,
    List<DecisionDetailView.Pair> refusals) {

  /** The view of each pair; {@code bandRanks} orders bands low to high where a model names them. */
  static List<ShadowView> of(ShadowComparison.Report report, Map<String, Double> bandRanks) {
    return report.pairs().stream().map(p -> of(p, bandRanks)).toList();
  }

  private static ShadowView of(ShadowComparison.Pair p, Map<String, Double> bandRanks) {
    ShadowComparison.Difference d = p.difference();
    List<OverviewView.Tile> tiles = new ArrayList<>();
    tiles.add(new OverviewView.Tile("Decisions", Long.toString(p.decisions()), "with both"));
    tiles.add(new OverviewView.Tile("Both scored", Long.toString(p.bothScored()), null));
    tiles.add(
        new OverviewView.Tile(
            "Band agreement",
            p.bandAgreement() == null ? "—" : Formats.percent(p.bandAgreement()),
            "of decisions both scored"));
    tiles.add(
        new OverviewView.Tile(
            "Mean |difference|",
            d == null ? "—" : magnitude(d.points(), d.meanAbsolute()),
            "shadow vs active"));
    tiles.add(
        new OverviewView.Tile(
            "Shadow cost",
            String.format(Locale.ROOT, "%.1f ms", p.meanShadowMillis()),
            "mean per call"));
    return new ShadowView(
        version(p.active()),
        version(p.shadow()),
        tiles,
        outcomes(p),
        bands(p, bandRanks),
        differences(d),
        p.shadowRefusals().entrySet().stream()
            .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
            .map(e -> new DecisionDetailView.Pair(e.getKey(), Long.toString(e.getValue())))
            .toList());
  }

  private static String version(Decision.ModelVersion v) {
    return v.id() + " " + v.version() + " · sha256 " + abbreviated(v.sha256());
  }

  private static String abbreviated(String sha256) {
    return sha256 == null || sha256.length() < 12
        ? String.valueOf(sha256)
        : sha256.substring(0, 12) + "…";
  }

  private static List<List<String>> outcomes(ShadowComparison.Pair p) {
    List<List<String>> rows = new ArrayList<>();
    List<String> header = new ArrayList<>(List.of("active ↓ · shadow →"));
    for (Outcome o : Outcome.values()) {
      header.add(o.name().toLowerCase(Locale.ROOT));
    }
    rows.add(header);
    for (Outcome a : Outcome.values()) {
      List<String> row = new ArrayList<>(List.of(a.name().toLowerCase(Locale.ROOT)));
      for (Outcome s : Outcome.values()) {
        row.add(
            Long.toString(
                p.outcomes().stream()
                    .filter(c -> c.active() == a && c.shadow() == s)
                    .mapToLong(ShadowComparison.OutcomeCell::count)
                    .sum()));
      }
      rows.add(row);
    }
    return rows;
  }

  private static List<List<String>> bands(ShadowComparison.Pair p, Map<String, Double> ranks) {
    if (p.bands().isEmpty()) {
      return List.of();
    }
    Comparator<String> order =
        Comparator.<String, Double>comparing(b -> ranks.getOrDefault(b, Double.MAX_VALUE))
            .thenComparing(Comparator.naturalOrder());
    Set<String> activeBands = new LinkedHashSet<>();
    Set<String> shadowBands = new LinkedHashSet<>();
    p.bands()
        .forEach(
            c -> {
              activeBands.add(c.active());
              shadowBands.add(c.shadow());
            });
    List<String> rowsOrder = activeBands.stream().sorted(order).toList();
    List<String> colsOrder = shadowBands.stream().sorted(order).toList();
    List<List<String>> rows = new ArrayList<>();
    List<String> header = new ArrayList<>(List.of("active ↓ · shadow →"));
    header.addAll(colsOrder);
    rows.add(header);
    for (String a : rowsOrder) {
      List<String> row = new ArrayList<>(List.of(a));
      for (String s : colsOrder) {
        row.add(
            Long.toString(
                p.bands().stream()
                    .filter(c -> c.active().equals(a) && c.shadow().equals(s))
                    .mapToLong(ShadowComparison.BandCell::count)
                    .sum()));
      }
      rows.add(row);
    }
    return rows;
  }

  private static List<DecisionDetailView.Pair> differences(ShadowComparison.Difference d) {
    if (d == null) {
      return List.of();
    }
    return List.of(
        new DecisionDetailView.Pair("Mean (shadow − active)", signed(d.points(), d.mean())),
        new DecisionDetailView.Pair(
            "Median |difference|", magnitude(d.points(), d.medianAbsolute())),
        new DecisionDetailView.Pair(
            "95th percentile |difference|", magnitude(d.points(), d.p95Absolute())),
        new DecisionDetailView.Pair("Largest |difference|", magnitude(d.points(), d.maxAbsolute())),
        new DecisionDetailView.Pair(
            "Shadow higher / lower", d.shadowHigher() + " / " + d.shadowLower()));
  }

  private static String signed(boolean points, double v) {
    return points ? Formats.signedScore(v) + " points" : Formats.points(v);
  }

  private static String magnitude(boolean points, double v) {
    return points
        ? String.format(Locale.ROOT, "%.1f points", v)
        : String.format(Locale.ROOT, "%.1f percentage points", v * 100);
  }
}
