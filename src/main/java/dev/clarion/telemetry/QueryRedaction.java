package dev.clarion.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Keeps query strings out of traces: the HTTP server span records {@code url.query}, and an audit
 * search names a patient there ({@code ?patient=…}). The value is replaced by the parameter names
 * alone ({@code patient=…&from=…}), which is what an operator needs to tell requests apart.
 */
@ApplicationScoped
public class QueryRedaction implements SpanProcessor {

  static final AttributeKey<String> URL_QUERY = AttributeKey.stringKey("url.query");
  static final AttributeKey<String> URL_FULL = AttributeKey.stringKey("url.full");

  @Override
  public void onStart(Context parentContext, ReadWriteSpan span) {
    String query = span.getAttribute(URL_QUERY);
    if (query != null) {
      span.setAttribute(URL_QUERY, names(query));
    }
    String full = span.getAttribute(URL_FULL);
    if (full != null && full.indexOf('?') >= 0) {
      int q = full.indexOf('?');
      span.setAttribute(URL_FULL, full.substring(0, q + 1) + names(full.substring(q + 1)));
    }
  }

  /** {@code a=1&b=2} → {@code a=…&b=…} */
  static String names(String query) {
    return Arrays.stream(query.split("&"))
        .filter(p -> !p.isEmpty())
        .map(p -> (p.indexOf('=') >= 0 ? p.substring(0, p.indexOf('=')) : p) + "=…")
        .collect(Collectors.joining("&"));
  }

  @Override
  public boolean isStartRequired() {
    return true;
  }

  @Override
  public void onEnd(ReadableSpan span) {}

  @Override
  public boolean isEndRequired() {
    return false;
  }
}
