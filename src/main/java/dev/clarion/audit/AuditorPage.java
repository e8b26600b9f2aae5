package dev.clarion.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.clarion.catalogue.ModelRegistry;
import dev.clarion.cds.api.ServiceCatalog;
import dev.clarion.cds.api.ServiceDefinition;
import dev.clarion.error.InvalidRequestException;
import dev.clarion.format.Formats;
import dev.clarion.model.ModelDescriptor;
import dev.clarion.web.SvgCharts;
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
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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

  @CheckedTemplate
  static class Templates {
    static native TemplateInstance overview(
        String user,
        AuditorFilter filter,
        String fromDay,
        String toDay,
        List<String> services,
        List<OverviewView.Tile> tiles,
        Map<String, String> charts,
        String baselineFromDay,
        String baselineToDay,
        String driftNote,
        List<Monitoring.Subgroup> subgroups,
        List<Monitoring.RuleFeedback> rules,
        DecisionQueries.Page page,
        String previous,
        String next,
        String exportQuery);

    static native TemplateInstance decision(
        String user, DecisionView d, DecisionDetailView view, String json);

    static native TemplateInstance replay(String user, UUID id, Replayer.Replay replay);

    static native TemplateInstance chain(String user, ChainVerifier.Report report);

    static native TemplateInstance shadow(
        String user,
        String service,
        List<String> services,
        String fromDay,
        String toDay,
        List<ShadowView> pairs);
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
  private final ShadowComparison shadows;

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
      ModelRegistry models,
      ShadowComparison shadows) {
    this.models = models;
    this.shadows = shadows;
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
  public TemplateInstance overview(@BeanParam AuditorFilter filter) {
    LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
    LocalDate defaultFrom = today.minusDays(29);
    DecisionQueries.Criteria criteria = filter.criteria(defaultFrom, today, PAGE_SIZE);
    DecisionQueries.Page page = decisions.search(criteria);
    AuditorFilter.Window baseline = filter.baseline();
    Monitoring.Report report =
        monitoring.report(
            criteria.service(),
            criteria.model(),
            criteria.client(),
            criteria.from(),
            criteria.to(),
            baseline.from(),
            baseline.to());
    String query = filter.query();
    String base = "/auditor?" + (query.isEmpty() ? "" : query + "&") + "page=";
    return Templates.overview(
        user(),
        filter,
        filter.fromDay(defaultFrom).toString(),
        filter.toDay(today).toString(),
        services.all().stream().map(ServiceDefinition::id).sorted().toList(),
        OverviewView.tiles(report),
        OverviewView.charts(
            report,
            OverviewView.bandRanks(models.all().stream().map(m -> m.descriptor()).toList())),
        Formats.day(report.drift().baselineFrom()),
        Formats.day(report.drift().baselineTo().minusSeconds(1)),
        report.drift().note(),
        report.subgroups(),
        report.rules(),
        page,
        filter.page > 0 ? base + (filter.page - 1) : null,
        (long) (filter.page + 1) * PAGE_SIZE < page.total() ? base + (filter.page + 1) : null,
        query);
  }

  /**
   * A service's shadow rollout over the filter's window (default: the last 30 days): the service
   * named, else the first service that defines a shadow.
   */
  @GET
  @Path("shadow")
  public TemplateInstance shadow(@BeanParam AuditorFilter filter) {
    LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
    LocalDate defaultFrom = today.minusDays(29);
    DecisionQueries.Criteria criteria = filter.criteria(defaultFrom, today, PAGE_SIZE);
    List<String> withShadow =
        services.all().stream()
            .filter(s -> s.clarion().shadow() != null)
            .map(ServiceDefinition::id)
            .sorted()
            .toList();
    String service =
        criteria.service() != null
            ? criteria.service()
            : withShadow.isEmpty() ? null : withShadow.get(0);
    List<String> choices = new java.util.ArrayList<>(withShadow);
    if (service != null && !choices.contains(service)) {
      choices.add(0, service);
    }
    List<ShadowView> pairs =
        service == null
            ? List.of()
            : ShadowView.of(
                shadows.report(service, criteria.from(), criteria.to()),
                OverviewView.bandRanks(models.all().stream().map(m -> m.descriptor()).toList()));
    return Templates.shadow(
        user(),
        service,
        choices,
        filter.fromDay(defaultFrom).toString(),
        filter.toDay(today).toString(),
        pairs);
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
    ModelDescriptor model =
        d.modelId() == null ? null : models.find(d.modelId()).map(m -> m.descriptor()).orElse(null);
    String json;
    try {
      json = pretty.writeValueAsString(detail);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    return Templates.decision(user(), d, DecisionDetailView.of(detail, model), json);
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
      @BeanParam AuditorFilter filter, @QueryParam("format") @DefaultValue("csv") String format) {
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
}
