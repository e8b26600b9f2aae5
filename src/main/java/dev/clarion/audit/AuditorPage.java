package dev.clarion.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.clarion.catalogue.ModelRegistry;
import dev.clarion.cds.api.ServiceCatalog;
import dev.clarion.cds.api.ServiceDefinition;
import dev.clarion.error.InvalidRequestException;
import dev.clarion.format.Formats;
import dev.clarion.model.ModelDescriptor;
import dev.clarion.risk.RecordedInputs;
import dev.clarion.risk.RecordedOutput;
import dev.clarion.web.InputRow;
import dev.clarion.web.SvgCharts;
import dev.clarion.web.SvgCharts.Bar;
import dev.clarion.web.SvgCharts.Marker;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The auditor web page: server-rendered HTML with SVG charts and no script, behind a browser
 * sign-in (quarkus-oidc tenant {@code auditor-web}: authorization code flow with PKCE through the
 * realm's {@code clarion-staff} client; see application.properties). Same data and role as the JSON
 * API under {@code /audit}.
 */
@Path("/auditor")
@RolesAllowed("auditor")
@Produces(MediaType.TEXT_HTML)
public class AuditorPage {

  static final int PAGE_SIZE = 25;

  /** The form's filter, as typed (dates are calendar days in UTC, both inclusive). */
  public static class Filter {
    @QueryParam("service")
    public String service;

    @QueryParam("client")
    public String client;

    @QueryParam("model")
    public String model;

    @QueryParam("modelVersion")
    public String modelVersion;

    @QueryParam("outcome")
    public String outcome;

    @QueryParam("patient")
    public String patient;

    @QueryParam("from")
    public String from;

    @QueryParam("to")
    public String to;

    /** Drift baseline window (calendar days, inclusive); default: the same length just before. */
    @QueryParam("baselineFrom")
    public String baselineFrom;

    @QueryParam("baselineTo")
    public String baselineTo;

    @QueryParam("page")
    @DefaultValue("0")
    public int page;

    /** The query string of this filter (without the page). */
    public String query() {
      Map<String, String> q = new LinkedHashMap<>();
      q.put("service", service);
      q.put("client", client);
      q.put("model", model);
      q.put("modelVersion", modelVersion);
      q.put("outcome", outcome);
      q.put("patient", patient);
      q.put("from", from);
      q.put("to", to);
      q.put("baselineFrom", baselineFrom);
      q.put("baselineTo", baselineTo);
      StringBuilder s = new StringBuilder();
      q.forEach(
          (k, v) -> {
            if (v != null && !v.isBlank()) {
              s.append(s.isEmpty() ? "" : "&")
                  .append(k)
                  .append('=')
                  .append(URLEncoder.encode(v, StandardCharsets.UTF_8));
            }
          });
      return s.toString();
    }

    /** The search criteria, dates turned into UTC instants, blanks into nulls. */
    DecisionQueries.Criteria criteria(LocalDate defaultFrom, LocalDate defaultTo, Integer size) {
      return new DecisionQueries.Criteria(
          blank(patient),
          blank(service),
          blank(model),
          blank(modelVersion),
          blank(client),
          blank(outcome),
          start(day(from, "from", defaultFrom)),
          start(day(to, "to", defaultTo).plusDays(1)),
          size == null ? null : page,
          size);
    }

    /** The baseline window as [from, to) instants, or nulls for the default. */
    String[] baseline() {
      if (blank(baselineFrom) == null && blank(baselineTo) == null) {
        return new String[2];
      }
      if (blank(baselineFrom) == null || blank(baselineTo) == null) {
        throw new InvalidRequestException(
            "invalid-baseline", "Give both ends of the baseline window, or neither.");
      }
      return new String[] {
        start(day(baselineFrom, "baselineFrom", null)),
        start(day(baselineTo, "baselineTo", null).plusDays(1))
      };
    }

    private static String start(LocalDate day) {
      return day.atStartOfDay(ZoneOffset.UTC).toInstant().toString();
    }

    private static LocalDate day(String text, String field, LocalDate fallback) {
      if (blank(text) == null) {
        return fallback;
      }
      try {
        return LocalDate.parse(text.trim());
      } catch (DateTimeParseException e) {
        throw new InvalidRequestException(
            "invalid-" + field, field + " must be a date like 2026-11-25.");
      }
    }

    private static String blank(String s) {
      return s == null || s.isBlank() ? null : s.trim();
    }
  }

  /** A labelled number on the page. */
  public record Tile(String label, String value, String note) {}

  /** One row of a simple two-column table. */
  public record Pair(String name, String value) {}

  /** A feedback item as shown. */
  public record FeedbackRow(String received, String outcome, String reason, String comment) {}

  @CheckedTemplate
  static class Templates {
    static native TemplateInstance overview(
        String user,
        Filter filter,
        String fromDay,
        String toDay,
        List<String> services,
        List<Tile> tiles,
        Map<String, String> charts,
        String baselineFromDay,
        String baselineToDay,
        String driftNote,
        List<Monitoring.Subgroup> subgroups,
        DecisionQueries.Page page,
        String previous,
        String next,
        String exportQuery);

    static native TemplateInstance decision(
        String user,
        DecisionView d,
        List<Pair> facts,
        List<InputRow> inputs,
        String attributionChart,
        List<String> reasons,
        List<FeedbackRow> feedback,
        String json);

    static native TemplateInstance replay(String user, UUID id, Replayer.Replay replay);

    static native TemplateInstance chain(String user, ChainVerifier.Report report);
  }

  private final DecisionQueries decisions;
  private final Monitoring monitoring;
  private final Replayer replayer;
  private final ChainVerifier chain;
  private final AuditExport export;
  private final ServiceCatalog services;
  private final SecurityIdentity identity;
  private final Clock clock;
  private final ObjectMapper pretty;

  private final ModelRegistry models;

  AuditorPage(
      DecisionQueries decisions,
      Monitoring monitoring,
      Replayer replayer,
      ChainVerifier chain,
      AuditExport export,
      ServiceCatalog services,
      SecurityIdentity identity,
      Clock clock,
      ObjectMapper mapper,
      ModelRegistry models) {
    this.models = models;
    this.decisions = decisions;
    this.monitoring = monitoring;
    this.replayer = replayer;
    this.chain = chain;
    this.export = export;
    this.services = services;
    this.identity = identity;
    this.clock = clock;
    this.pretty = mapper.copy().enable(SerializationFeature.INDENT_OUTPUT);
  }

  /** Monitoring charts for the filter's window and the matching decisions, newest first. */
  @GET
  public TemplateInstance overview(@BeanParam Filter filter) {
    LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
    LocalDate defaultFrom = today.minusDays(29);
    DecisionQueries.Criteria criteria = filter.criteria(defaultFrom, today, PAGE_SIZE);
    DecisionQueries.Page page = decisions.search(criteria);
    String[] baseline = filter.baseline();
    Monitoring.Report report =
        monitoring.report(
            criteria.service(),
            criteria.model(),
            criteria.client(),
            criteria.from(),
            criteria.to(),
            baseline[0],
            baseline[1]);
    String query = filter.query();
    String base = "/auditor?" + (query.isEmpty() ? "" : query + "&") + "page=";
    return Templates.overview(
        user(),
        filter,
        criteria.from().substring(0, 10),
        LocalDate.parse(criteria.to().substring(0, 10)).minusDays(1).toString(),
        services.all().stream().map(ServiceDefinition::id).sorted().toList(),
        tiles(report),
        charts(report, bandRanks()),
        report.drift().baselineFrom().toString().substring(0, 10),
        report.drift().baselineTo().minusSeconds(1).toString().substring(0, 10),
        report.drift().note(),
        report.subgroups(),
        page,
        filter.page > 0 ? base + (filter.page - 1) : null,
        (long) (filter.page + 1) * PAGE_SIZE < page.total() ? base + (filter.page + 1) : null,
        query);
  }

  /** A signed-in person without the auditor role gets a page that says so, not a blank 403. */
  @ServerExceptionMapper
  public Response forbidden(io.quarkus.security.ForbiddenException e) {
    return Response.status(403)
        .type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
        .entity(
            message(
                "Not an auditor",
                "You are signed in as <strong>"
                    + SvgCharts.escape(user())
                    + "</strong>, who does not have the <code>auditor</code> role. Ask your"
                    + " Keycloak administrator for it, or <a href=\"/auditor/logout\">sign out</a>"
                    + " and sign in as someone else."))
        .build();
  }

  private static String message(String title, String body) {
    return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>"
        + title
        + "</title></head><body style=\"font-family:system-ui,sans-serif;margin:40px\"><h1"
        + " style=\"font-size:20px\">"
        + title
        + "</h1><p>"
        + body
        + "</p></body></html>";
  }

  /** Where the browser lands after signing out (no sign-in needed). */
  @GET
  @Path("signed-out")
  @PermitAll
  public String signedOut() {
    return message(
        "Signed out",
        "You are signed out of the Clarion audit page. <a href=\"/auditor\">Sign in again</a>.");
  }

  /** One decision in full. */
  @GET
  @Path("decisions/{id}")
  public TemplateInstance decision(@PathParam("id") UUID id) {
    DecisionQueries.Detail detail = decisions.detail(id);
    DecisionView d = detail.decision();
    List<Pair> facts = new ArrayList<>();
    facts.add(new Pair("Recorded", d.recordedAt().toString()));
    facts.add(new Pair("Chain position", d.seq() == null ? "—" : "#" + d.seq()));
    facts.add(new Pair("Service / hook", d.serviceId() + " / " + d.hook()));
    facts.add(new Pair("Hook instance", d.hookInstance()));
    facts.add(
        new Pair(
            "Client",
            d.clientIss() == null
                ? "unsigned (embedded run)"
                : d.clientIss()
                    + (d.clientTenant() == null ? "" : " · tenant " + d.clientTenant())));
    facts.add(new Pair("Patient", d.patientRef()));
    facts.add(new Pair("User", d.userRef() == null ? "—" : d.userRef()));
    facts.add(
        new Pair(
            "Outcome", d.outcome() + (d.reasonCode() == null ? "" : " (" + d.reasonCode() + ")")));
    RecordedOutput output = RecordedOutput.read(d.output());
    if (output != null) {
      facts.add(
          new Pair("Score", Formats.value(output.points(), output.risk()) + " · " + output.band()));
    }
    facts.add(
        new Pair(
            "Model",
            d.modelId() == null
                ? "—"
                : d.modelId() + " " + d.modelVersion() + " · sha256 " + d.modelSha256()));
    facts.add(new Pair("HTTP status", Integer.toString(d.httpStatus())));
    facts.add(new Pair("Latency", String.format(Locale.ROOT, "%.1f ms", d.latencyMicros() / 1e3)));
    facts.add(new Pair("Record hash", d.hash()));

    List<InputRow> inputs = new ArrayList<>();
    ModelDescriptor model =
        d.modelId() == null ? null : models.find(d.modelId()).map(m -> m.descriptor()).orElse(null);
    RecordedInputs recorded = RecordedInputs.read(d.inputs());
    if (recorded != null) {
      // A call that ended before its inputs were gathered (failed, no matching order) has none.
      Stream.concat(
              recorded.extraction().features().stream(), recorded.extraction().recorded().stream())
          .forEach(f -> inputs.add(InputRow.of(f, model)));
    }
    List<Bar> bars = SvgCharts.contributions(d.attributions(), output != null && output.points());
    List<String> reasons = new ArrayList<>();
    if (d.reasons() != null) {
      d.reasons().forEach(r -> reasons.add(r.asText()));
    }
    List<FeedbackRow> feedback =
        detail.feedback().stream()
            .map(
                f ->
                    new FeedbackRow(
                        f.receivedAt().toString(),
                        f.outcome(),
                        f.overrideReason() == null
                            ? ""
                            : f.overrideReason()
                                .path("display")
                                .asText(f.overrideReason().path("code").asText()),
                        f.overrideComment() == null ? "" : f.overrideComment()))
            .toList();
    String json;
    try {
      json = pretty.writeValueAsString(detail);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    return Templates.decision(
        user(),
        d,
        facts,
        inputs,
        bars.isEmpty()
            ? null
            : SvgCharts.bars("Contribution of each input to the risk", bars, 0, List.of()),
        reasons,
        feedback,
        json);
  }

  /** Re-runs the decision and shows whether the result is identical. */
  @GET
  @Path("decisions/{id}/replay")
  public TemplateInstance replay(@PathParam("id") UUID id) {
    return Templates.replay(user(), id, replayer.replay(id));
  }

  /** Verifies the whole hash chain (reads every record). */
  @GET
  @Path("chain")
  public TemplateInstance chain() {
    return Templates.chain(user(), chain.verify());
  }

  /** The filter's decisions (whole window) as CSV or a FHIR Bundle, for the signed-in auditor. */
  @GET
  @Path("export")
  @Produces({"text/csv", "application/fhir+json"})
  public Response export(
      @BeanParam Filter filter, @QueryParam("format") @DefaultValue("csv") String format) {
    LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
    List<DecisionRecord> records =
        decisions.all(filter.criteria(today.minusDays(29), today, null), AuditExport.MAX_EXPORT);
    return switch (format) {
      case "csv" ->
          Response.ok(export.csv(records), "text/csv; charset=UTF-8")
              .header("Content-Disposition", "attachment; filename=\"clarion-decisions.csv\"")
              .build();
      case "fhir" ->
          Response.ok(export.fhir(records), "application/fhir+json")
              .header("Content-Disposition", "attachment; filename=\"clarion-decisions.json\"")
              .build();
      default ->
          throw new InvalidRequestException("invalid-format", "format must be 'fhir' or 'csv'.");
    };
  }

  private String user() {
    return identity.getPrincipal().getName();
  }

  private static List<Tile> tiles(Monitoring.Report r) {
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

  private static Map<String, String> charts(Monitoring.Report r, Map<String, Double> bandRanks) {
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
                    java.util.Comparator.comparing(
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
  private Map<String, Double> bandRanks() {
    return bandRanks(models.all().stream().map(m -> m.descriptor()).toList());
  }

  static Map<String, Double> bandRanks(List<ModelDescriptor> descriptors) {
    Map<String, Double> ranks = new java.util.HashMap<>();
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
