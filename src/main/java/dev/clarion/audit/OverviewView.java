package dev.clarion.audit;

import dev.clarion.format.Formats;
import dev.clarion.model.ModelDescriptor;
import dev.clarion.web.SvgCharts;
import dev.clarion.web.SvgCharts.Bar;
import dev.clarion.web.SvgCharts.Marker;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

/** What the auditor overview shows of a monitoring report: tiles and SVG charts. Stateless. */
final class OverviewView {

  /** A labelled number on the page. */
  public record Tile(String label, String value, String note) {}

  private OverviewView() {}

  /** The numbers at the top of the page. */
  static List<Tile> tiles(Monitoring.Report r) {
    long total = r.volumes().values().stream().mapToLong(Long::longValue).sum();
    Monitoring.Feedback f = r.feedback();
    Monitoring.Scores s = r.scores();
    return List.of(
        new Tile("Decisions", Long.toString(total), null),
        new Tile("Scored", Long.toString(r.volumes().getOrDefault("SCORED", 0L)), null),
        new Tile("Refused", Long.toString(r.volumes().getOrDefault("REFUSED", 0L)), null),
        new Tile("Failed", Long.toString(r.volumes().getOrDefault("FAILED", 0L)), null),
        new Tile("Feedback", Long.toString(f.total()), f.accepted() + " accepted"),
        new Tile(
            "Override rate",
            f.overrideRate() == null ? "—" : Formats.percent(f.overrideRate()),
            f.overridden() + " overridden"),
        new Tile(
            "Median score",
            s.p50() == null ? "—" : Formats.percent(s.p50()),
            s.p10() == null
                ? null
                : "p10 " + Formats.percent(s.p10()) + " · p90 " + Formats.percent(s.p90())));
  }

  /** The charts, by the name the template places them under. */
  static Map<String, String> charts(Monitoring.Report r, Map<String, Double> bandRanks) {
    Map<String, String> charts = new LinkedHashMap<>();
    charts.put(
        "outcomes",
        SvgCharts.bars(
            "Decisions by outcome",
            r.volumes().entrySet().stream()
                .map(
                    e ->
                        new Bar(
                            e.getKey().toLowerCase(Locale.ROOT),
                            e.getValue(),
                            Long.toString(e.getValue()),
                            "bar " + e.getKey().toLowerCase(Locale.ROOT)))
                .toList(),
            0,
            List.of()));
    charts.put(
        "refusals",
        SvgCharts.bars(
            "Refusal reasons",
            r.refusalReasons().entrySet().stream()
                .map(e -> new Bar(e.getKey(), e.getValue(), Long.toString(e.getValue())))
                .toList(),
            0,
            List.of()));
    int bins = Monitoring.HISTOGRAM_BINS;
    int step = 100 / bins;
    charts.put(
        "histogram",
        SvgCharts.histogram(
            "Score distribution (risk, 5-point bins)",
            r.scores().histogram(),
            IntStream.range(0, bins)
                .mapToObj(i -> (i * step) + "–" + ((i + 1) * step) + " %")
                .toList(),
            2));
    charts.put(
        "bands",
        SvgCharts.bars(
            "Decisions by risk band",
            r.scores().bands().entrySet().stream()
                .sorted(
                    Comparator.comparing(
                            (Map.Entry<String, Long> e) ->
                                bandRanks.getOrDefault(e.getKey(), Double.MAX_VALUE))
                        .thenComparing(Map.Entry::getKey))
                .map(e -> new Bar(e.getKey(), e.getValue(), Long.toString(e.getValue())))
                .toList(),
            0,
            List.of()));
    charts.put(
        "overrides",
        SvgCharts.bars(
            "Override reasons",
            r.feedback().reasons().entrySet().stream()
                .map(
                    e ->
                        new Bar(
                            e.getKey(), e.getValue(), Long.toString(e.getValue()), "bar override"))
                .toList(),
            0,
            List.of()));
    List<Bar> psi = new ArrayList<>();
    if (r.drift().psi() != null) {
      r.drift()
          .psi()
          .forEach(
              (name, p) ->
                  psi.add(
                      new Bar(
                          name,
                          p.value(),
                          String.format(Locale.ROOT, "%.3f %s", p.value(), p.verdict()),
                          "bar psi-" + p.verdict().replace(' ', '-'))));
    }
    charts.put(
        "psi",
        SvgCharts.bars(
            "Population stability index against the baseline window",
            psi,
            0,
            List.of(new Marker(0.1, "0.10"), new Marker(0.25, "0.25"))));
    charts.put(
        "subgroups",
        SvgCharts.bars(
            "Mean risk by subgroup",
            r.subgroups().stream()
                .filter(g -> g.meanRisk() != null)
                .map(
                    g ->
                        new Bar(
                            g.dimension() + ": " + g.group(),
                            g.meanRisk(),
                            Formats.percent(g.meanRisk()) + " (n=" + g.scored() + ")"))
                .toList(),
            0,
            List.of()));
    return charts;
  }

  /**
   * Where each band code sorts, from the models' own band lists (each {@code model.json} lists its
   * bands from lowest to highest): its position in its model's list as a fraction (0 = lowest, 1 =
   * highest), the lowest over the models that use the code — so KFRE's "moderate" and NEWS2's
   * "low-medium" sort between their models' "low" and "high".
   */
  static Map<String, Double> bandRanks(List<ModelDescriptor> descriptors) {
    Map<String, Double> ranks = new HashMap<>();
    for (ModelDescriptor d : descriptors) {
      List<ModelDescriptor.Band> bands = d.bands();
      for (int i = 0; i < bands.size(); i++) {
        double rank = bands.size() == 1 ? 0 : (double) i / (bands.size() - 1);
        ranks.merge(bands.get(i).code(), rank, Math::min);
      }
    }
    return ranks;
  }
}
