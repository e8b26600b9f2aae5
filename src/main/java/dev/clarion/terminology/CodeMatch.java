package dev.clarion.terminology;

/**
 * Why a coded resource matched a binding's code set: which value set (or the binding's own list)
 * and which way. Kept in the decision record and shown on the explanation page, so a reviewer can
 * see that "on antihypertensive treatment" came from, say, a branded drug named after a clinical
 * drug of the published CMS22 value set.
 *
 * @param valueSet the matching value set's {@code url|version}; null when the binding's own codes
 *     or prefixes matched
 * @param valueSetTitle its title, null for the binding's own codes
 * @param via how it matched
 * @param system the code system of the coding that matched (null for a name match on text)
 * @param code the code that matched, or for a branded name the clinical drug's code it maps to
 */
public record CodeMatch(
    String valueSet, String valueSetTitle, Via via, String system, String code) {

  /** The ways a resource's coding can match. */
  public enum Via {
    /** The coding's code is a member of the value set. */
    CODE("code in value set"),
    /**
     * A branded RxNorm drug (SBD/BPCK) whose normalized name is a member clinical drug's name
     * followed by the brand in brackets (RxNorm naming convention).
     */
    BRANDED_NAME("branded drug named after a clinical drug of the value set"),
    /** An ingredient of the order's Medication resource is a member. */
    INGREDIENT("Medication ingredient"),
    /** A code the binding lists itself (no published value set covers it). */
    LISTED("code listed in the binding"),
    /** A code prefix the binding lists (a code system's hierarchy, e.g. ATC C03). */
    PREFIX("code prefix listed in the binding");

    private final String label;

    Via(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /**
   * For a card: the value set as a Markdown link to its canonical URL, titled with its version
   * ("[Diabetes 20220924](http://cts.nlm.nih.gov/fhir/ValueSet/…)"), and the way when it is not the
   * plain code; the binding's own lists in words.
   */
  public String markdown() {
    if (valueSet == null) {
      return via.label();
    }
    int bar = valueSet.lastIndexOf('|');
    String link =
        "["
            + valueSetTitle
            + " "
            + valueSet.substring(bar + 1)
            + "]("
            + valueSet.substring(0, bar)
            + ")";
    return via == Via.CODE ? "value set " + link : "value set " + link + ", " + via.label();
  }

  /** The same match reached through a Medication's ingredient. */
  public CodeMatch throughIngredient() {
    return new CodeMatch(valueSet, valueSetTitle, Via.INGREDIENT, system, code);
  }
}
