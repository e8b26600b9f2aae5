package dev.clarion.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.Keyword;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The Kubernetes manifests as {@code kubectl kustomize} renders them, each object validated against
 * the pinned JSON schema of its kind ({@code src/test/resources/k8s-schemas/}, sources in its
 * README), and named by the files under {@code k8s/} it comes from.
 */
final class Manifests {

  static final Path K8S = Path.of("k8s");
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final Map<String, JsonSchema> SCHEMAS = new ConcurrentHashMap<>();

  /** Draft 7, with the OpenAPI and Kubernetes extension keywords known to carry no validation. */
  private static final JsonSchemaFactory FACTORY;

  static {
    List<Keyword> annotations = new ArrayList<>();
    for (String k :
        List.of(
            "nullable",
            "x-kubernetes-map-type",
            "x-kubernetes-list-type",
            "x-kubernetes-list-map-keys",
            "x-kubernetes-patch-strategy",
            "x-kubernetes-patch-merge-key",
            "x-kubernetes-group-version-kind",
            "x-kubernetes-unions",
            "x-kubernetes-int-or-string",
            "x-kubernetes-validations",
            "x-kubernetes-preserve-unknown-fields",
            "x-kubernetes-embedded-resource")) {
      annotations.add(new NonValidationKeyword(k));
    }
    JsonMetaSchema meta =
        JsonMetaSchema.builder(JsonMetaSchema.getV7()).keywords(annotations).build();
    FACTORY =
        JsonSchemaFactory.builder(JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7))
            .metaSchema(meta)
            .defaultMetaSchemaIri(meta.getIri())
            .build();
  }

  private Manifests() {}

  /** One rendered object. */
  record Obj(String kind, String apiVersion, String name, ObjectNode node) {
    String label() {
      return kind + " " + name;
    }
  }

  /** Renders {@code k8s/overlays/<overlay>} with kubectl's built-in kustomize. */
  static List<Obj> render(String overlay) throws IOException, InterruptedException {
    Path dir = K8S.resolve("overlays").resolve(overlay);
    Process p;
    try {
      p =
          new ProcessBuilder("kubectl", "kustomize", dir.toString())
              .redirectError(ProcessBuilder.Redirect.PIPE)
              .start();
    } catch (IOException e) {
      throw new AssertionError(
          "kubectl not found: the manifests are rendered with `kubectl kustomize` (.ci/run installs"
              + " Debian's kubernetes-client when it is missing)",
          e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError("kubectl kustomize " + dir + " failed: " + err);
    }
    return parse(out);
  }

  static List<Obj> parse(String yaml) throws IOException {
    List<Obj> objects = new ArrayList<>();
    try (var docs = YAML.readerFor(JsonNode.class).<JsonNode>readValues(yaml)) {
      while (docs.hasNext()) {
        JsonNode doc = docs.next();
        if (doc instanceof ObjectNode o && o.has("kind")) {
          objects.add(
              new Obj(
                  o.path("kind").asText(),
                  o.path("apiVersion").asText(),
                  o.path("metadata").path("name").asText(),
                  o));
        }
      }
    }
    return objects;
  }

  /**
   * The schema file of a kind: {@code <kind>-<first label of the group>-<version>.json}, or {@code
   * <kind>-<version>.json} for the core group (yannh/kubernetes-json-schema's naming).
   */
  static String schemaFile(String kind, String apiVersion) {
    String[] gv = apiVersion.split("/");
    String group = gv.length == 2 ? gv[0].split("\\.")[0] + "-" : "";
    return kind.toLowerCase(Locale.ROOT) + "-" + group + gv[gv.length - 1] + ".json";
  }

  /** Schema violations of one object, each as "file(s): Kind name: $.path: message". */
  static List<String> violations(Obj o) throws IOException {
    String file = schemaFile(o.kind(), o.apiVersion());
    JsonSchema schema = SCHEMAS.computeIfAbsent(file, Manifests::load);
    if (schema == null) {
      return List.of(
          origin(o)
              + ": "
              + o.label()
              + ": no pinned schema for "
              + o.apiVersion()
              + " "
              + o.kind());
    }
    List<String> out = new ArrayList<>();
    // CRD schemas leave apiVersion and kind open: the file chosen by them is the check.
    for (ValidationMessage m : schema.validate(o.node())) {
      out.add(origin(o) + ": " + o.label() + ": " + m.getMessage());
    }
    return out;
  }

  private static JsonSchema load(String file) {
    try (InputStream in = Manifests.class.getResourceAsStream("/k8s-schemas/" + file)) {
      if (in == null) {
        return null;
      }
      JsonNode node = new ObjectMapper().readTree(in);
      // Draft 7 for all (the pinned files are draft-04/07 compatible); some name a meta-schema
      // URL that would otherwise be fetched.
      ((ObjectNode) node).remove("$schema");
      return FACTORY.getSchema(node);
    } catch (IOException e) {
      throw new IllegalStateException(file, e);
    }
  }

  /** The files under k8s/ that define or patch an object of this kind and name. */
  static String origin(Obj o) throws IOException {
    List<String> files = origins().get(o.kind() + " " + o.name());
    return files == null ? "(generated)" : String.join(" + ", files);
  }

  private static Map<String, List<String>> origins;

  /** "Kind name" → the files defining or patching it, read once. */
  private static synchronized Map<String, List<String>> origins() throws IOException {
    if (origins == null) {
      Map<String, List<String>> index = new HashMap<>();
      try (Stream<Path> all = Files.walk(K8S)) {
        for (Path f : all.filter(Manifests::isYaml).sorted().toList()) {
          for (Obj d : parse(Files.readString(f))) {
            List<String> files = index.computeIfAbsent(d.label(), k -> new ArrayList<>());
            if (!files.contains(f.toString())) {
              files.add(f.toString());
            }
          }
        }
      }
      origins = index;
    }
    return origins;
  }

  private static boolean isYaml(Path f) {
    String n = f.getFileName().toString();
    return (n.endsWith(".yaml") || n.endsWith(".yml")) && !n.equals("kustomization.yaml");
  }
}
