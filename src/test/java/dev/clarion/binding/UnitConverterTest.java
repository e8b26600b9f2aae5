package dev.clarion.binding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Units as real data sends them. */
class UnitConverterTest {

  static final UnitConverter UNITS = new UnitConverter();

  @Test
  void convertsFahrenheitToCelsiusWithUcum() {
    assertEquals(38.5, UNITS.convert(101.3, "[degF]", "Cel", null).orElseThrow(), 1e-9);
    assertEquals(37.0, UNITS.convert(98.6, "°F", "Cel", null).orElseThrow(), 1e-9);
  }

  @Test
  void convertsCreatinineMicromolesWithTheBindingsMolarFactor() {
    // Creatinine: 1 mg/dL = 88.42 µmol/L; UCUM alone cannot convert amount to mass.
    Map<String, Double> creatinine = Map.of("umol/L", 1 / 88.42);
    assertEquals(1.2, UNITS.convert(106.1, "µmol/L", "mg/dL", creatinine).orElseThrow(), 1e-3);
    assertTrue(UNITS.convert(106.1, "umol/L", "mg/dL", null).isEmpty(), "not without the factor");
  }

  @Test
  void convertsMassConcentrationsAndKeepsTheModelUnit() {
    assertEquals(135.0, UNITS.convert(13.5, "g/dL", "g/L", null).orElseThrow(), 1e-9);
    assertEquals(120.0, UNITS.convert(120, "mmHg", "mm[Hg]", null).orElseThrow(), 1e-9);
    assertEquals(213.0, UNITS.convert(213, "mg/dl", "mg/dL", null).orElseThrow(), 1e-9);
  }

  @Test
  void refusesWhatCannotBeConverted() {
    assertTrue(UNITS.convert(5, "mg", "mg/dL", null).isEmpty());
    assertTrue(UNITS.convert(5, "not-a-unit", "mg/dL", null).isEmpty());
    assertTrue(UNITS.convert(5, null, "mg/dL", null).isEmpty());
  }
}
