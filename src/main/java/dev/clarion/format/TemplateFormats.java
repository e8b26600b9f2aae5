package dev.clarion.format;

import io.quarkus.qute.TemplateExtension;

/**
 * {@link Formats} for Qute templates: {@code {fmt:pct(x)}}, {@code {fmt:score(value, points)}},
 * {@code {fmt:ms(micros)}}; a dash where there is no value.
 */
@TemplateExtension(namespace = "fmt")
final class TemplateFormats {

  private TemplateFormats() {}

  /** A fraction as a percentage with one decimal, or a dash. */
  static String pct(Double fraction) {
    return fraction == null ? "—" : Formats.percent(fraction);
  }

  /** A score: points for a point score, else a percentage; a dash for none. */
  static String score(Double value, boolean points) {
    return value == null ? "—" : Formats.value(points, value);
  }

  /** Microseconds as milliseconds with one decimal. */
  static String ms(long micros) {
    return Formats.millis(micros);
  }
}
