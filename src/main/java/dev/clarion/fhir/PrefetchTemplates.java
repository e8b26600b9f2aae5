package dev.clarion.fhir;

import dev.clarion.cds.api.CdsRequest;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders CDS Hooks 2.0 prefetch templates for a request: {@code {{context.<field>}}} from
 * root-level context strings, and the user tokens from {@code context.userId} (e.g. {@code
 * Practitioner/123} gives {@code {{userPractitionerId}}} = 123). Tokens were checked against the
 * hook when the service definition was loaded.
 */
public final class PrefetchTemplates {

  private static final Pattern TOKEN = Pattern.compile("\\{\\{\\s*([^}\\s]*)\\s*}}");

  private PrefetchTemplates() {}

  /** The rendered query, or empty when a token has no value in this request. */
  public static Optional<String> render(String template, CdsRequest request) {
    Matcher m = TOKEN.matcher(template);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = value(m.group(1), request);
      if (value == null) {
        return Optional.empty();
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return Optional.of(out.toString());
  }

  private static String value(String token, CdsRequest request) {
    if (token.startsWith("context.")) {
      return request.contextString(token.substring("context.".length()));
    }
    String userId = request.contextString("userId");
    if (userId == null) {
      return null;
    }
    String type =
        switch (token) {
          case "userPractitionerId" -> "Practitioner";
          case "userPractitionerRoleId" -> "PractitionerRole";
          case "userPatientId" -> "Patient";
          case "userRelatedPersonId" -> "RelatedPerson";
          default -> null;
        };
    return type != null && userId.startsWith(type + "/")
        ? userId.substring(type.length() + 1)
        : null;
  }
}
