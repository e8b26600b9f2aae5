package dev.clarion.audit;

import io.quarkus.qute.TemplateExtension;
import java.util.Locale;

/** Number formats for the auditor page templates: {@code {fmt:pct(x)}}, {@code {fmt:ms(x)}}. */
@TemplateExtension(namespace = "fmt")
final class AuditorFormat {

  private AuditorFormat() {}

  /** A fraction as a percentage with one decimal, or a dash. */
  static String pct(Double fraction) {
    return fraction == null ? "—" : dev.clarion.web.Formats.percent(fraction);
  }

  /** Microseconds as milliseconds with one decimal. */
  static String ms(long micros) {
    return String.format(Locale.ROOT, "%.1f", micros / 1e3);
  }
}
