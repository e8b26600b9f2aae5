package dev.clarion.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clarion.deploy.Manifests.Obj;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The manifests under {@code k8s/} as a platform team would apply them: every overlay renders,
 * every object is valid for Kubernetes 1.32 and the pinned CRD versions (CloudNativePG 1.30,
 * Keycloak operator 26.5, Prometheus operator 0.93), and the deployment policies hold — probes,
 * resources and the restricted Pod Security profile on every container, selectors that select, no
 * literal secret, pinned images. A failure names the file(s), the object and the field.
 */
class ManifestsTest {

  static final Pattern SECRET_NAME = Pattern.compile("(?i).*(PASSWORD|SECRET|TOKEN|PRIVATE).*");

  @ParameterizedTest
  @ValueSource(strings = {"dev", "production"})
  void everyObjectIsValidForItsPinnedSchema(String overlay) throws Exception {
    List<String> problems = new ArrayList<>();
    for (Obj o : Manifests.render(overlay)) {
      problems.addAll(Manifests.violations(o));
    }
    assertEquals(List.of(), problems, overlay + ":\n" + String.join("\n", problems));
  }

  @Test
  void aBrokenManifestIsNamedByFileObjectAndField() throws Exception {
    Obj deployment = find(Manifests.render("production"), "Deployment", "clarion");
    ((ObjectNode) deployment.node().path("spec")).put("replicaz", 3);
    ((ObjectNode) deployment.node().path("spec").path("template").path("spec"))
        .put("terminationGracePeriodSeconds", "forty");
    String all = String.join("\n", Manifests.violations(deployment));
    assertTrue(all.contains("k8s/base/deployment.yaml"), all);
    assertTrue(all.contains("Deployment clarion"), all);
    assertTrue(all.contains("replicaz"), all);
    assertTrue(all.contains("terminationGracePeriodSeconds"), all);

    Obj cluster = find(Manifests.render("production"), "Cluster", "clarion-db");
    ((ObjectNode) cluster.node().path("spec").path("postgresql").path("synchronous"))
        .put("method", "all");
    String crd = String.join("\n", Manifests.violations(cluster));
    assertTrue(crd.contains("k8s/overlays/production/clarion-db.yaml"), crd);
    assertTrue(crd.contains("Cluster clarion-db"), crd);
    assertTrue(crd.contains("synchronous.method"), crd);
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "production"})
  void everyContainerIsRestrictedProbedAndBounded(String overlay) throws Exception {
    List<String> problems = new ArrayList<>();
    for (Obj o : Manifests.render(overlay)) {
      JsonNode pod = podSpec(o);
      if (pod == null) {
        continue;
      }
      String at = Manifests.origin(o) + ": " + o.label();
      if (!pod.path("automountServiceAccountToken").isBoolean()
          || pod.path("automountServiceAccountToken").asBoolean()) {
        problems.add(at + ": spec.template.spec.automountServiceAccountToken must be false");
      }
      JsonNode podSecurity = pod.path("securityContext");
      for (String section : List.of("initContainers", "containers")) {
        for (JsonNode c : pod.path(section)) {
          String where = at + ": " + section + "[" + c.path("name").asText() + "]";
          JsonNode sc = c.path("securityContext");
          if (!podSecurity.path("runAsNonRoot").asBoolean(false)
              && !sc.path("runAsNonRoot").asBoolean(false)) {
            problems.add(where + ": runAsNonRoot must be true");
          }
          String seccomp =
              sc.path("seccompProfile")
                  .path("type")
                  .asText(podSecurity.path("seccompProfile").path("type").asText(""));
          if (!seccomp.equals("RuntimeDefault") && !seccomp.equals("Localhost")) {
            problems.add(where + ": seccompProfile.type must be RuntimeDefault");
          }
          if (!sc.path("allowPrivilegeEscalation").isBoolean()
              || sc.path("allowPrivilegeEscalation").asBoolean()) {
            problems.add(where + ": securityContext.allowPrivilegeEscalation must be false");
          }
          List<String> dropped = new ArrayList<>();
          sc.path("capabilities").path("drop").forEach(d -> dropped.add(d.asText()));
          if (!dropped.contains("ALL") || sc.path("capabilities").has("add")) {
            problems.add(where + ": securityContext.capabilities must drop ALL and add none");
          }
          if (sc.path("privileged").asBoolean(false)) {
            problems.add(where + ": must not be privileged");
          }
          for (String kind : List.of("requests", "limits")) {
            for (String resource : List.of("cpu", "memory")) {
              if (!c.path("resources").path(kind).has(resource)) {
                problems.add(where + ": resources." + kind + "." + resource + " missing");
              }
            }
          }
          boolean longRunning = section.equals("containers") && !o.kind().equals("Job");
          if (longRunning) {
            for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
              if (!c.has(probe)) {
                problems.add(where + ": " + probe + " missing");
              }
            }
          }
          if (isClarion(c) && !sc.path("readOnlyRootFilesystem").asBoolean(false)) {
            problems.add(where + ": securityContext.readOnlyRootFilesystem must be true");
          }
        }
      }
    }
    assertEquals(List.of(), problems, overlay + ":\n" + String.join("\n", problems));
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "production"})
  void selectorsSelectThePodsTheyAreFor(String overlay) throws Exception {
    List<Obj> objects = Manifests.render(overlay);
    List<Map<String, String>> pods = podLabels(objects);
    Map<String, String> clarion = clarionDeployment(objects).podLabels;
    List<String> problems = new ArrayList<>();
    for (Obj o : objects) {
      String at = Manifests.origin(o) + ": " + o.label();
      JsonNode spec = o.node().path("spec");
      switch (o.kind()) {
        case "Deployment", "StatefulSet" -> {
          if (!matches(spec.path("selector").path("matchLabels"), labels(podTemplate(o)))) {
            problems.add(at + ": spec.selector does not select its own pod template");
          }
        }
        case "Service" -> {
          if (!pods.stream().anyMatch(p -> matches(spec.path("selector"), p))) {
            problems.add(at + ": spec.selector selects no pod");
          }
        }
        case "PodDisruptionBudget", "ServiceMonitor" -> {
          if (!matches(spec.path("selector").path("matchLabels"), clarion)) {
            problems.add(at + ": spec.selector does not select Clarion's pods");
          }
        }
        case "HorizontalPodAutoscaler" -> {
          String target = spec.path("scaleTargetRef").path("name").asText();
          if (objects.stream()
              .noneMatch(d -> d.kind().equals("Deployment") && d.name().equals(target))) {
            problems.add(at + ": spec.scaleTargetRef names no Deployment: " + target);
          }
        }
        case "NetworkPolicy" -> {
          JsonNode selector = spec.path("podSelector").path("matchLabels");
          boolean defaultDeny = spec.path("podSelector").isEmpty();
          if (defaultDeny && (spec.has("ingress") || spec.has("egress"))) {
            problems.add(at + ": an empty podSelector is only for the default deny (no rules)");
          }
          if (!defaultDeny && pods.stream().noneMatch(p -> matches(selector, p))) {
            problems.add(at + ": spec.podSelector selects no pod");
          }
          for (String direction : List.of("ingress", "egress")) {
            for (JsonNode rule : spec.path(direction)) {
              for (JsonNode peer : rule.path(direction.equals("ingress") ? "from" : "to")) {
                if (peer.has("podSelector") && !peer.has("namespaceSelector")) {
                  JsonNode peerSelector = peer.path("podSelector").path("matchLabels");
                  if (pods.stream().noneMatch(p -> matches(peerSelector, p))) {
                    problems.add(
                        at
                            + ": "
                            + direction
                            + " peer podSelector "
                            + peerSelector
                            + " selects no pod");
                  }
                }
              }
            }
          }
        }
        default -> {}
      }
    }
    boolean denyAll =
        objects.stream()
            .anyMatch(
                o ->
                    o.kind().equals("NetworkPolicy")
                        && o.node().path("spec").path("podSelector").isEmpty()
                        && o.node().path("spec").path("policyTypes").toString().contains("Ingress")
                        && o.node().path("spec").path("policyTypes").toString().contains("Egress"));
    if (!denyAll) {
      problems.add(overlay + ": no default-deny NetworkPolicy (empty podSelector, Ingress+Egress)");
    }
    assertEquals(List.of(), problems, overlay + ":\n" + String.join("\n", problems));
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "production"})
  void noLiteralSecretsAndPinnedImages(String overlay) throws Exception {
    List<String> problems = new ArrayList<>();
    for (Obj o : Manifests.render(overlay)) {
      String at = Manifests.origin(o) + ": " + o.label();
      if (o.kind().equals("Secret")) {
        problems.add(at + ": a Secret with values in the repository; reference one instead");
      }
      if (o.kind().equals("ConfigMap")) {
        o.node()
            .path("data")
            .fields()
            .forEachRemaining(
                e -> {
                  if (SECRET_NAME.matcher(e.getKey()).matches()) {
                    problems.add(at + ": data." + e.getKey() + " looks like a secret");
                  }
                });
      }
      JsonNode pod = podSpec(o);
      if (pod != null) {
        for (String section : List.of("initContainers", "containers")) {
          for (JsonNode c : pod.path(section)) {
            String image = c.path("image").asText();
            if (!image.contains("@sha256:")
                && (!image.contains(":")
                    || image.endsWith(":latest")
                    || image.lastIndexOf(':') < image.lastIndexOf('/'))) {
              problems.add(at + ": " + c.path("name").asText() + " image not pinned: " + image);
            }
            for (JsonNode env : c.path("env")) {
              if (SECRET_NAME.matcher(env.path("name").asText()).matches() && env.has("value")) {
                problems.add(
                    at
                        + ": env "
                        + env.path("name").asText()
                        + " has a literal value; use a secretKeyRef");
              }
            }
          }
        }
      }
      if (o.kind().equals("KeycloakRealmImport")) {
        JsonNode realm = o.node().path("spec").path("realm");
        for (JsonNode client : realm.path("clients")) {
          if (client.has("secret") && !client.path("secret").asText().matches("\\$\\{[A-Z_]+}")) {
            problems.add(
                at + ": client " + client.path("clientId").asText() + " has a literal secret");
          }
        }
        for (JsonNode user : realm.path("users")) {
          if (!user.has("serviceAccountClientId") || user.has("credentials")) {
            problems.add(
                at + ": user " + user.path("username").asText() + " in a production realm");
          }
        }
      }
    }
    assertEquals(List.of(), problems, overlay + ":\n" + String.join("\n", problems));
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "production"})
  void clarionMigratesOnceAndDrainsOnShutdown(String overlay) throws Exception {
    List<Obj> objects = Manifests.render(overlay);
    Clarion app = clarionDeployment(objects);
    Map<String, String> config = app.config;
    assertEquals("false", config.get("QUARKUS_FLYWAY_MIGRATE_AT_START"), "replicas never migrate");
    int maxReplicas = Integer.parseInt(config.get("CLARION_DEPLOYMENT_MAX_REPLICAS"));
    JsonNode hpa = only(objects, "HorizontalPodAutoscaler").path("spec");
    assertTrue(
        hpa.path("maxReplicas").asInt() <= maxReplicas,
        "HPA maxReplicas "
            + hpa.path("maxReplicas")
            + " > CLARION_DEPLOYMENT_MAX_REPLICAS "
            + maxReplicas);
    assertTrue(app.spec.path("replicas").asInt() <= maxReplicas);
    JsonNode pod = podTemplate(app.obj).path("spec");
    assertEquals(
        "wait-for-schema",
        pod.path("initContainers").path(0).path("args").path(0).asText(),
        "the server waits for the migration Job");
    JsonNode job = only(objects, "Job");
    assertEquals(
        "migrate",
        job.path("spec")
            .path("template")
            .path("spec")
            .path("containers")
            .path(0)
            .path("args")
            .path(0)
            .asText());
    // SIGTERM after preStop; Quarkus keeps serving for its shutdown delay (readiness down), then
    // drains within its shutdown timeout; the grace period covers all three.
    int preStop =
        Integer.parseInt(
            pod.path("containers")
                .path(0)
                .path("lifecycle")
                .path("preStop")
                .path("exec")
                .path("command")
                .path(1)
                .asText());
    int shutdown =
        Integer.parseInt(config.get("QUARKUS_SHUTDOWN_DELAY").replace("s", ""))
            + Integer.parseInt(config.get("QUARKUS_SHUTDOWN_TIMEOUT").replace("s", ""));
    assertTrue(
        pod.path("terminationGracePeriodSeconds").asInt() > preStop + shutdown,
        "terminationGracePeriodSeconds must exceed preStop "
            + preStop
            + " s + shutdown delay and timeout "
            + shutdown
            + " s");
  }

  @Test
  void productionRunsReplicasOverSynchronousReplicationWithBackups() throws Exception {
    List<Obj> objects = Manifests.render("production");
    Clarion app = clarionDeployment(objects);
    assertTrue(app.spec.path("replicas").asInt() >= 3, "at least 3 replicas");
    assertTrue(
        only(objects, "HorizontalPodAutoscaler").path("spec").path("minReplicas").asInt() >= 3);
    assertTrue(podTemplate(app.obj).path("spec").path("topologySpreadConstraints").size() >= 2);
    assertTrue(objects.stream().anyMatch(o -> o.kind().equals("PodDisruptionBudget")));

    Obj db = find(objects, "Cluster", "clarion-db");
    JsonNode spec = db.node().path("spec");
    assertEquals(3, spec.path("instances").asInt());
    JsonNode sync = spec.path("postgresql").path("synchronous");
    assertTrue(sync.path("number").asInt() >= 1, "a commit waits for a standby");
    assertEquals("required", sync.path("dataDurability").asText());
    assertTrue(spec.path("backup").path("barmanObjectStore").has("wal"), "WAL archived (PITR)");
    assertTrue(spec.path("backup").path("barmanObjectStore").has("destinationPath"));
    String owner = spec.path("bootstrap").path("initdb").path("owner").asText();
    List<String> roles = new ArrayList<>();
    spec.path("managed").path("roles").forEach(r -> roles.add(r.path("name").asText()));
    assertTrue(
        roles.contains("clarion_app") && !owner.equals("clarion_app"), "owner ≠ application role");
    assertEquals(
        "clarion-db",
        only(objects, "ScheduledBackup").path("spec").path("cluster").path("name").asText());
    Obj pooler = objects.stream().filter(o -> o.kind().equals("Pooler")).findFirst().orElseThrow();
    assertEquals("clarion-db", pooler.node().path("spec").path("cluster").path("name").asText());
    // Clarion goes through the pooler; the migration straight to the primary.
    assertTrue(
        app.config
            .get("QUARKUS_DATASOURCE_JDBC_URL")
            .startsWith("jdbc:postgresql://" + pooler.name() + ":"),
        app.config.get("QUARKUS_DATASOURCE_JDBC_URL"));
    String migrateUrl = "";
    for (JsonNode env :
        only(objects, "Job")
            .path("spec")
            .path("template")
            .path("spec")
            .path("containers")
            .path(0)
            .path("env")) {
      if (env.path("name").asText().equals("QUARKUS_DATASOURCE_JDBC_URL")) {
        migrateUrl = env.path("value").asText();
      }
    }
    assertTrue(migrateUrl.startsWith("jdbc:postgresql://clarion-db-rw:"), migrateUrl);
    assertTrue(objects.stream().anyMatch(o -> o.kind().equals("ServiceMonitor")));
    assertTrue(objects.stream().anyMatch(o -> o.kind().equals("KeycloakRealmImport")));
  }

  // ------------------------------------------------------------------ helpers

  record Clarion(
      Obj obj, JsonNode spec, Map<String, String> podLabels, Map<String, String> config) {}

  static Clarion clarionDeployment(List<Obj> objects) {
    Obj d = find(objects, "Deployment", "clarion");
    Map<String, String> config = new HashMap<>();
    find(objects, "ConfigMap", "clarion-config")
        .node()
        .path("data")
        .fields()
        .forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
    return new Clarion(d, d.node().path("spec"), labels(podTemplate(d)), config);
  }

  static Obj find(List<Obj> objects, String kind, String name) {
    return objects.stream()
        .filter(o -> o.kind().equals(kind) && o.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
  }

  static JsonNode only(List<Obj> objects, String kind) {
    List<Obj> found = objects.stream().filter(o -> o.kind().equals(kind)).toList();
    assertEquals(1, found.size(), "one " + kind);
    return found.get(0).node();
  }

  static JsonNode podTemplate(Obj o) {
    return o.node().path("spec").path("template");
  }

  static JsonNode podSpec(Obj o) {
    return Set.of("Deployment", "StatefulSet", "Job", "DaemonSet").contains(o.kind())
        ? podTemplate(o).path("spec")
        : null;
  }

  static boolean isClarion(JsonNode container) {
    return container.path("image").asText().contains("/clarion/clarion");
  }

  static Map<String, String> labels(JsonNode withMetadata) {
    Map<String, String> labels = new HashMap<>();
    withMetadata
        .path("metadata")
        .path("labels")
        .fields()
        .forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
    return labels;
  }

  /**
   * The labels of every pod the render will run: pod templates, and the pods the operators create
   * for their resources (CloudNativePG instances and poolers, Keycloak), labelled as those
   * operators document.
   */
  static List<Map<String, String>> podLabels(List<Obj> objects) {
    List<Map<String, String>> pods = new ArrayList<>();
    for (Obj o : objects) {
      switch (o.kind()) {
        case "Deployment", "StatefulSet", "Job" -> pods.add(labels(podTemplate(o)));
        case "Cluster" -> pods.add(Map.of("cnpg.io/cluster", o.name()));
        case "Pooler" -> pods.add(Map.of("cnpg.io/poolerName", o.name()));
        case "Keycloak" ->
            pods.add(
                Map.of(
                    "app", "keycloak",
                    "app.kubernetes.io/instance", o.name(),
                    "app.kubernetes.io/managed-by", "keycloak-operator"));
        default -> {}
      }
    }
    return pods;
  }

  static boolean matches(JsonNode selector, Map<String, String> labels) {
    if (selector == null || selector.isMissingNode() || selector.isEmpty()) {
      return false;
    }
    Iterator<Map.Entry<String, JsonNode>> it = selector.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().asText().equals(labels.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }
}
