package dev.clarion.binding;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Date;

/** Dates as the bindings count them: days in UTC. Stateless. */
final class Dates {

  private Dates() {}

  /** The UTC date of {@code now}: ages and lookbacks in days count from it. */
  static LocalDate day(Instant now) {
    return LocalDate.ofInstant(now, ZoneOffset.UTC);
  }

  static LocalDate toLocalDate(Date date) {
    return date.toInstant().atZone(ZoneOffset.UTC).toLocalDate();
  }
}
