package dev.clarion.binding;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import org.fhir.ucum.Decimal;
import org.fhir.ucum.UcumEssenceService;
import org.fhir.ucum.UcumException;

/**
 * Converts quantities to a model's unit: first the binding's molar factors (mmol/L → mg/dL needs
 * the substance's molar mass, which UCUM does not know), then temperatures (°F, K → Cel), then UCUM
 * (g/L → mg/dL, …) with the UCUM essence bundled in {@code org.fhir:ucum}, the library HAPI's
 * validator uses. Thread-safe after construction.
 */
@ApplicationScoped
public class UnitConverter {

  private final UcumEssenceService ucum;

  public UnitConverter() {
    try (InputStream essence = UcumEssenceService.class.getResourceAsStream("/ucum-essence.xml")) {
      this.ucum = new UcumEssenceService(essence);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (UcumException e) {
      throw new IllegalStateException("UCUM essence cannot be read", e);
    }
  }

  /** The value in {@code target}, or empty when the unit is unknown or not convertible. */
  public Optional<Double> convert(
      double value, String unit, String target, Map<String, Double> molarFactors) {
    if (unit == null) {
      return Optional.empty();
    }
    String from = normalise(unit);
    if (from.equals(target)) {
      return Optional.of(value);
    }
    if (molarFactors != null && molarFactors.containsKey(from)) {
      return Optional.of(value * molarFactors.get(from));
    }
    Optional<Double> temperature = temperature(value, from, target);
    if (temperature.isPresent()) {
      return temperature;
    }
    try {
      synchronized (ucum) {
        // The UCUM service is not documented as thread-safe.
        Decimal converted = ucum.convert(new Decimal(Double.toString(value)), from, target);
        return Optional.of(Double.parseDouble(converted.asDecimal()));
      }
    } catch (UcumException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * Temperatures are affine (an offset, not a factor), which this UCUM library does not convert: °F
   * → (°F − 32) / 1.8, K → K − 273.15.
   */
  private static Optional<Double> temperature(double value, String from, String target) {
    double celsius;
    switch (from) {
      case "Cel" -> celsius = value;
      case "[degF]" -> celsius = (value - 32) / 1.8;
      case "K" -> celsius = value - 273.15;
      default -> {
        return Optional.empty();
      }
    }
    return switch (target) {
      case "Cel" -> Optional.of(celsius);
      case "[degF]" -> Optional.of(celsius * 1.8 + 32);
      case "K" -> Optional.of(celsius + 273.15);
      default -> Optional.empty();
    };
  }

  /** Empty when {@code unit} is valid UCUM, else the reason. */
  public Optional<String> isValid(String unit) {
    synchronized (ucum) {
      return Optional.ofNullable(ucum.validate(unit));
    }
  }

  /** Common non-UCUM spellings seen in real data. */
  static String normalise(String unit) {
    return switch (unit.trim()) {
      case "mmHg", "mm Hg" -> "mm[Hg]";
      case "mg/dl" -> "mg/dL";
      case "mmol/l" -> "mmol/L";
      case "°F", "degF" -> "[degF]";
      case "°C", "C" -> "Cel";
      case "µmol/L", "umol/l" -> "umol/L";
      default -> unit.trim();
    };
  }
}
