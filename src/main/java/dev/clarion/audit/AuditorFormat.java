package dev.clarion.audit;

import dev.clarion.risk.RecordedOutput;
import io.quarkus.qute.TemplateExtension;
import java.util.Locale;

/** Number formats for the auditor page templates: {@code {fmt:pct(x)}}, {@code {fmt:ms(x)}}. */
@TemplateExtension(namespace = "fmt")
final class AuditorFormat {

  private AuditorFormat() {}

  /** A fraction as a percentage with one decimal, or a dash. */
  static String pct(Double fraction) {
    return fraction == null ? "—" : dev.clarion.format.Formats.percent(fraction);
  }

  /** A recorded output: a percentage, or points when the decision's scale is "points". */
  static String score(Double value, String scale) {
    if (value == null) {
      return "—";
    }
    return dev.clarion.format.Formats.value(RecordedOutput.POINTS.equals(scale), value);
  }

  /** Microseconds as milliseconds with one decimal. */
  static String ms(long micros) {
    return String.format(Locale.ROOT, "%.1f", micros / 1e3);
  }
}
