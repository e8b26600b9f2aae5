package dev.clarion.fhir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.telemetry.Telemetry;
import io.micrometer.core.instrument.Gauge;
import io.smallrye.faulttolerance.api.TypedGuard;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.util.TypeLiteral;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.jboss.logging.Logger;

/**
 * Fetches prefetch queries from an EHR's FHIR server: all keys in parallel, the access token on
 * every call, per-call timeouts, {@code next} links followed up to a cap (only on the same server,
 * so the token never goes elsewhere), one circuit breaker per server, and an overall deadline after
 * which unfinished keys fail. Never logs URLs with their queries, tokens or bodies.
 *
 * <p>Thread-safe.
 */
@ApplicationScoped
public class FhirFetcher {

  private static final Logger LOG = Logger.getLogger(FhirFetcher.class);
  private static final TypeLiteral<CompletionStage<HttpResponse<byte[]>>> RESPONSE =
      new TypeLiteral<>() {};

  private final FhirConfig config;
  private final ObjectMapper mapper;
  private final ExecutorService executor;
  private final HttpClient client;
  private final HttpClient cleartextClient;
  private final Map<String, TypedGuard<CompletionStage<HttpResponse<byte[]>>>> guards =
      new ConcurrentHashMap<>();
  private final Telemetry telemetry;

  /** Circuit state per server: 0 closed, 1 half-open, 2 open (the gauge's value). */
  private final Map<String, AtomicInteger> circuits = new ConcurrentHashMap<>();

  FhirFetcher(FhirConfig config, ObjectMapper mapper, Telemetry telemetry) {
    this.config = config;
    this.mapper = mapper;
    this.telemetry = telemetry;
    this.executor = Executors.newCachedThreadPool(daemon());
    this.client = client(HttpClient.Version.HTTP_2);
    // Over plain http, HTTP/2 means an h2c upgrade that holds concurrent requests back until the
    // first one finishes; HTTP/1.1 with one connection per request keeps the fetches parallel.
    this.cleartextClient = client(HttpClient.Version.HTTP_1_1);
  }

  private HttpClient client(HttpClient.Version version) {
    return HttpClient.newBuilder()
        .version(version)
        .executor(executor)
        .connectTimeout(config.callTimeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  /** A failure the circuit breaker counts: the server is unreachable, slow or erroring. */
  static final class ServerFailure extends IOException {
    ServerFailure(String message) {
      super(message);
    }
  }

  /**
   * @param base the FHIR server base URL (already checked against the allowlist)
   * @param token the bearer token, or null when the EHR gave none
   * @param queries prefetch key → relative query (templates already rendered)
   * @param deadline time budget for everything
   */
  public Map<String, Fetched> fetch(
      String base, String token, Map<String, String> queries, Duration deadline) {
    return fetch(base, token, queries, Map.of(), deadline);
  }

  /**
   * As {@link #fetch(String, String, Map, Duration)}, and in the same parallel batch follows the
   * {@code next} links of search Bundles the EHR prefetched only in part.
   *
   * @param partial prefetch key → first page the EHR sent (entries of the following pages are
   *     appended to it)
   */
  public Map<String, Fetched> fetch(
      String base,
      String token,
      Map<String, String> queries,
      Map<String, ObjectNode> partial,
      Duration deadline) {
    Map<String, CompletableFuture<Fetched>> running = new LinkedHashMap<>();
    for (Map.Entry<String, String> q : queries.entrySet()) {
      running.put(q.getKey(), fetchOne(base, token, q.getValue()).toCompletableFuture());
    }
    for (Map.Entry<String, ObjectNode> p : partial.entrySet()) {
      running.put(p.getKey(), followPages(base, token, p.getValue(), 1).toCompletableFuture());
    }
    long begin = System.nanoTime();
    long end = begin + deadline.toNanos();
    Map<String, Fetched> results = new LinkedHashMap<>();
    for (Map.Entry<String, CompletableFuture<Fetched>> r : running.entrySet()) {
      long left = Math.max(0, end - System.nanoTime());
      try {
        results.put(r.getKey(), r.getValue().get(left, TimeUnit.NANOSECONDS));
      } catch (TimeoutException e) {
        r.getValue().cancel(true);
        results.put(
            r.getKey(),
            new Fetched.Failed(
                "no answer from the FHIR server within the "
                    + deadline.toMillis()
                    + " ms deadline"));
      } catch (ExecutionException e) {
        results.put(r.getKey(), new Fetched.Failed(describe(e.getCause())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        results.put(r.getKey(), new Fetched.Failed("interrupted"));
      }
    }
    if (!running.isEmpty()) {
      telemetry.fhirFetch(base, System.nanoTime() - begin);
    }
    return results;
  }

  private CompletionStage<Fetched> fetchOne(String base, String token, String query) {
    URI uri;
    try {
      uri = URI.create(base + "/" + encodeQuery(query));
    } catch (IllegalArgumentException e) {
      return done(new Fetched.Failed("the query cannot be sent as a URL"));
    }
    return get(base, token, uri)
        .thenCompose(
            response -> {
              int status = response.statusCode();
              if (status == 404 || status == 410) {
                return done(new Fetched.NoData());
              }
              if (status == 401 || status == 403) {
                return done(
                    new Fetched.Failed(
                        "the FHIR server refused the access token (HTTP " + status + ")"));
              }
              if (status != 200) {
                return done(new Fetched.Failed("the FHIR server answered HTTP " + status));
              }
              JsonNode body = json(response.body());
              if (body == null) {
                return done(
                    new Fetched.Failed("the FHIR server answered something that is not JSON"));
              }
              if ("Bundle".equals(body.path("resourceType").asText())) {
                return followPages(base, token, (ObjectNode) body, 1);
              }
              return done(new Fetched.Found(body, 1, false));
            });
  }

  /** Appends the entries of the following pages to {@code first}, up to the page cap. */
  private CompletionStage<Fetched> followPages(
      String base, String token, ObjectNode first, int pages) {
    String next = nextLink(first);
    if (next == null) {
      first.remove("link");
      return done(new Fetched.Found(first, pages, false));
    }
    if (pages >= config.maxPages()) {
      first.remove("link");
      return done(new Fetched.Found(first, pages, true));
    }
    if (!next.startsWith(base + "/") && !next.startsWith(base + "?")) {
      // Never send the token to a host the allowlist did not approve.
      return done(new Fetched.Failed("the FHIR server's next link points to another server"));
    }
    URI nextUri;
    try {
      nextUri = URI.create(next);
    } catch (IllegalArgumentException e) {
      return done(new Fetched.Failed("the FHIR server's next link is not a valid URL"));
    }
    return get(base, token, nextUri)
        .thenCompose(
            response -> {
              JsonNode page = response.statusCode() == 200 ? json(response.body()) : null;
              if (page == null) {
                return done(
                    new Fetched.Failed(
                        "page " + (pages + 1) + " failed (HTTP " + response.statusCode() + ")"));
              }
              ArrayNode entries = first.withArray("entry");
              page.path("entry").forEach(entries::add);
              first.set("link", page.path("link"));
              return followPages(base, token, first, pages + 1);
            });
  }

  private CompletionStage<HttpResponse<byte[]>> get(String base, String token, URI uri) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(config.callTimeout())
            .header("Accept", "application/fhir+json")
            .GET();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpRequest built = request.build();
    return guard(base)
        .get(
            () ->
                ("https".equals(uri.getScheme()) ? client : cleartextClient)
                    .sendAsync(built, HttpResponse.BodyHandlers.ofByteArray())
                    .thenApply(
                        response -> {
                          if (response.statusCode() >= 500) {
                            throw new CompletionException(
                                new ServerFailure("HTTP " + response.statusCode()));
                          }
                          return response;
                        }));
  }

  /** The circuit-state gauge of a server, registered with its breaker. */
  private AtomicInteger circuit(String base) {
    return circuits.computeIfAbsent(
        base,
        b -> {
          AtomicInteger state = new AtomicInteger();
          Gauge.builder("clarion.fhir.circuit.state", state, AtomicInteger::get)
              .description("Circuit breaker of a FHIR server: 0 closed, 1 half-open, 2 open")
              .tag("server", b)
              .strongReference(true)
              .register(telemetry.registry());
          return state;
        });
  }

  private TypedGuard<CompletionStage<HttpResponse<byte[]>>> guard(String base) {
    // One breaker per allowlisted server; the allowlist bounds the map.
    return guards.computeIfAbsent(
        base,
        b -> {
          circuit(b);
          return TypedGuard.create(RESPONSE)
              .withCircuitBreaker()
              .requestVolumeThreshold(config.circuitBreaker().requestVolumeThreshold())
              .failureRatio(config.circuitBreaker().failureRatio())
              .delay(config.circuitBreaker().delay().toMillis(), ChronoUnit.MILLIS)
              .onStateChange(
                  state -> {
                    LOG.warnf("Circuit breaker of a FHIR server is now %s", state);
                    circuit(b)
                        .set(
                            switch (state) {
                              case CLOSED -> 0;
                              case HALF_OPEN -> 1;
                              case OPEN -> 2;
                            });
                  })
              .done()
              .build();
        });
  }

  static String describe(Throwable failure) {
    Throwable t =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    if (t instanceof CircuitBreakerOpenException) {
      return "the FHIR server is failing; calls are suspended for a while (circuit open)";
    }
    if (t instanceof HttpTimeoutException) {
      return "the FHIR server did not answer in time";
    }
    if (t instanceof ServerFailure) {
      return "the FHIR server failed (" + t.getMessage() + ")";
    }
    if (t instanceof java.net.ConnectException) {
      return "the FHIR server cannot be reached";
    }
    if (t instanceof IOException) {
      return "the FHIR server connection failed";
    }
    return "fetching from the FHIR server failed";
  }

  /**
   * Percent-encodes what a rendered template may hold but a URI may not (e.g. the {@code |} of
   * token searches), leaving URI syntax and existing escapes alone.
   */
  static String encodeQuery(String query) {
    StringBuilder out = new StringBuilder(query.length() + 16);
    for (byte b : query.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || "-._~!$&'()*+,;=:@/?%".indexOf(c) >= 0) {
        out.append(c);
      } else {
        out.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return out.toString();
  }

  private JsonNode json(byte[] body) {
    try {
      JsonNode node = mapper.readTree(body);
      return node != null && node.isObject() ? node : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static CompletionStage<Fetched> done(Fetched result) {
    return CompletableFuture.completedFuture(result);
  }

  /** The {@code next} link of a search Bundle, or null. */
  static String nextLink(JsonNode bundle) {
    for (JsonNode link : bundle.path("link")) {
      if ("next".equals(link.path("relation").asText()) && link.path("url").isTextual()) {
        return link.path("url").asText();
      }
    }
    return null;
  }

  private static java.util.concurrent.ThreadFactory daemon() {
    return runnable -> {
      Thread t = new Thread(runnable, "fhir-fetch");
      t.setDaemon(true);
      return t;
    };
  }

  @PreDestroy
  void close() {
    executor.shutdownNow();
  }
}
