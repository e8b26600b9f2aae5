package dev.clarion.terminology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clarion.error.DefinitionException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The published value sets Clarion ships ({@code models/value-sets/*.json}, FHIR R4 ValueSet
 * resources with their expansion, kept as published), by canonical URL. Read with the model
 * catalogue, so a reload picks up new versions; a file that is not a usable expansion stops the
 * load naming the file and field. Value sets holding CPT codes are refused: CPT is licensed by the
 * AMA and not redistributed with Clarion. Immutable and thread-safe once loaded.
 */
public final class ValueSetLibrary {

  /** The folder under the models folder that holds the value sets. */
  public static final String FOLDER = "value-sets";

  static final String CPT = "http://www.ama-assn.org/go/cpt";

  private final Map<String, ValueSetExpansion> byUrl;

  private ValueSetLibrary(Map<String, ValueSetExpansion> byUrl) {
    this.byUrl = Map.copyOf(byUrl);
  }

  /** An empty library (tests and tools that bind no value set). */
  public static ValueSetLibrary empty() {
    return new ValueSetLibrary(Map.of());
  }

  /**
   * Reads every {@code *.json} file of {@code folder}; a missing folder is an empty library.
   *
   * @throws DefinitionException naming the file and field of the first problem
   */
  public static ValueSetLibrary load(Path folder, ObjectMapper mapper) {
    Map<String, ValueSetExpansion> sets = new TreeMap<>();
    if (!Files.isDirectory(folder)) {
      return new ValueSetLibrary(sets);
    }
    List<Path> files;
    try (Stream<Path> list = Files.list(folder)) {
      files = list.filter(f -> f.toString().endsWith(".json")).sorted().toList();
    } catch (IOException e) {
      throw new DefinitionException(folder, "cannot list value sets", e);
    }
    for (Path file : files) {
      ValueSetExpansion vs = read(file, mapper);
      ValueSetExpansion before = sets.put(vs.url(), vs);
      if (before != null) {
        throw new DefinitionException(
            file, "url", "is also the url of another file (one version per value set)");
      }
    }
    return new ValueSetLibrary(sets);
  }

  /**
   * The value set a binding names: {@code url} or {@code url|version} (then the loaded version must
   * be that one).
   */
  public Optional<ValueSetExpansion> find(String canonical) {
    int bar = canonical.indexOf('|');
    String url = bar < 0 ? canonical : canonical.substring(0, bar);
    ValueSetExpansion vs = byUrl.get(url);
    if (vs == null || (bar >= 0 && !vs.version().equals(canonical.substring(bar + 1)))) {
      return Optional.empty();
    }
    return Optional.of(vs);
  }

  /** Every loaded value set, by url. */
  public Map<String, ValueSetExpansion> all() {
    return byUrl;
  }

  private static ValueSetExpansion read(Path file, ObjectMapper mapper) {
    JsonNode root;
    try {
      root = mapper.readTree(file.toFile());
    } catch (IOException e) {
      throw new DefinitionException(file, "is not valid JSON: " + e.getMessage(), e);
    }
    if (root == null || !"ValueSet".equals(root.path("resourceType").asText())) {
      throw new DefinitionException(file, "resourceType", "must be 'ValueSet'");
    }
    for (String field : List.of("url", "version", "title")) {
      if (!root.path(field).isTextual() || root.path(field).asText().isBlank()) {
        throw new DefinitionException(file, field, "is required");
      }
    }
    JsonNode contains = root.path("expansion").path("contains");
    if (!contains.isArray() || contains.isEmpty()) {
      throw new DefinitionException(
          file, "expansion.contains", "is required: Clarion uses published expansions");
    }
    Map<String, Map<String, String>> members = new LinkedHashMap<>();
    Map<String, String> names = new HashMap<>();
    int count = collect(file, contains, "expansion.contains", members, names);
    JsonNode total = root.path("expansion").path("total");
    if (total.isInt() && total.asInt() != count) {
      throw new DefinitionException(
          file,
          "expansion.total",
          "is "
              + total.asInt()
              + " but the expansion lists "
              + count
              + " codes (a truncated page?)");
    }
    return new ValueSetExpansion(
        root.get("url").asText(),
        root.get("version").asText(),
        root.get("title").asText(),
        root.path("expansion").path("timestamp").asText(null),
        members,
        names);
  }

  private static int collect(
      Path file,
      JsonNode contains,
      String field,
      Map<String, Map<String, String>> members,
      Map<String, String> names) {
    int count = 0;
    for (int i = 0; i < contains.size(); i++) {
      JsonNode c = contains.get(i);
      String at = field + "[" + i + "]";
      if (c.hasNonNull("code")) {
        String system = c.path("system").asText(null);
        if (system == null) {
          throw new DefinitionException(file, at + ".system", "is required");
        }
        if (CPT.equals(system)) {
          throw new DefinitionException(
              file,
              at + ".system",
              "is CPT, licensed by the AMA and not shipped with Clarion: use the value set's"
                  + " other code systems, or leave it out");
        }
        String display = c.path("display").asText(null);
        members
            .computeIfAbsent(system, s -> new LinkedHashMap<>())
            .put(c.get("code").asText(), display);
        if (ValueSetExpansion.RXNORM.equals(system) && display != null) {
          names.put(display.trim().toLowerCase(Locale.ROOT), c.get("code").asText());
        }
        count++;
      }
      if (c.has("contains")) {
        count += collect(file, c.get("contains"), at + ".contains", members, names);
      }
    }
    return count;
  }
}
