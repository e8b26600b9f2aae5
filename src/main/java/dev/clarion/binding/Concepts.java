package dev.clarion.binding;

import dev.clarion.terminology.CodeMatch;
import java.util.Locale;
import java.util.Optional;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;

/** How a FHIR concept matches a binding's code set, and how it is shown. Stateless. */
final class Concepts {

  private Concepts() {}

  static boolean matches(CodeableConcept concept, Binding.CodeSet set) {
    return match(concept, set).isPresent();
  }

  /**
   * How a concept matches: the first of its codings (any system) that does, else its text as a
   * branded drug name.
   */
  static Optional<CodeMatch> match(CodeableConcept concept, Binding.CodeSet set) {
    if (concept == null || set == null) {
      return Optional.empty();
    }
    for (Coding c : concept.getCoding()) {
      Optional<CodeMatch> hit = set.match(c.getSystem(), c.getCode(), c.getDisplay());
      if (hit.isPresent()) {
        return hit;
      }
    }
    return concept.hasText() ? set.brandedName(concept.getText()) : Optional.empty();
  }

  /** The concept's text, else its first display, else its first code. */
  static String display(CodeableConcept concept) {
    if (concept.hasText()) {
      return concept.getText();
    }
    for (Coding c : concept.getCoding()) {
      if (c.hasDisplay()) {
        return c.getDisplay();
      }
    }
    return concept.getCodingFirstRep().getCode();
  }

  /** Text and displays of a concept, lower case (empty when there is none). */
  static String names(CodeableConcept concept) {
    if (concept == null) {
      return "";
    }
    StringBuilder all = new StringBuilder(concept.hasText() ? concept.getText() : "");
    for (Coding c : concept.getCoding()) {
      all.append(' ').append(c.hasDisplay() ? c.getDisplay() : "");
    }
    return all.append(' ').toString().toLowerCase(Locale.ROOT);
  }
}
