package dev.clarion.cds;

import dev.clarion.telemetry.Telemetry;
import io.micrometer.core.instrument.Gauge;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The replica's one {@link Admission}, configured from {@code clarion.cds.admission.*}. */
final class Admissions {

  private Admissions() {}

  @Produces
  @Singleton
  static Admission admission(CdsConfig config, Telemetry telemetry) {
    CdsConfig.Limits limits = config.admission();
    Admission admission =
        new Admission(limits.maxConcurrent(), limits.maxQueued(), limits.maxWait().toMillis());
    Gauge.builder("clarion.cds.calls.running", admission, Admission::running)
        .description("Service calls running now (admission control)")
        .register(telemetry.registry());
    Gauge.builder("clarion.cds.calls.queued", admission, Admission::queued)
        .description("Service calls waiting for a slot now (admission control)")
        .register(telemetry.registry());
    return admission;
  }
}
