package dev.clarion.model;

import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The trees of a gradient-boosted model, read back from its ONNX artifact: the {@code
 * ai.onnx.ml.TreeEnsembleRegressor} node (splits {@code x < threshold}, leaf weights, base value)
 * and each node's cover (training hessian sum, stored in the artifact's metadata {@value
 * #COVERS_KEY}, aligned with {@code nodes_*}), which path-dependent TreeSHAP needs. The output is
 * the margin (log-odds); the graph's Sigmoid turns it into a probability. Immutable.
 */
public final class TreeEnsemble {

  /** Metadata key of the node covers (a JSON array aligned with the {@code nodes_*} arrays). */
  public static final String COVERS_KEY = "clarion.treeshap.covers";

  /**
   * One tree, nodes indexed 0..n-1 with the root at 0.
   *
   * @param yes child taken when {@code x[feature] < threshold} (or missing and {@code missingYes})
   */
  public record Tree(
      int[] feature,
      float[] threshold,
      int[] yes,
      int[] no,
      boolean[] missingYes,
      boolean[] leaf,
      double[] value,
      double[] cover) {

    /** The leaf this row reaches. */
    public int leafOf(float[] x) {
      int node = 0;
      while (!leaf[node]) {
        float v = x[feature[node]];
        node =
            Float.isNaN(v)
                ? (missingYes[node] ? yes[node] : no[node])
                : v < threshold[node] ? yes[node] : no[node];
      }
      return node;
    }

    /** E[f] over the training data: leaf values weighted by their share of the root's cover. */
    public double expected() {
      double sum = 0;
      for (int n = 0; n < leaf.length; n++) {
        if (leaf[n]) {
          sum += value[n] * cover[n];
        }
      }
      return sum / cover[0];
    }
  }

  private final List<Tree> trees;
  private final double base;
  private final int width;

  TreeEnsemble(List<Tree> trees, double base, int width) {
    this.trees = List.copyOf(trees);
    this.base = base;
    this.width = width;
  }

  public List<Tree> trees() {
    return trees;
  }

  /** The base margin added to the trees' sum. */
  public double base() {
    return base;
  }

  public int width() {
    return width;
  }

  /** The margin (log-odds) of one row, walking the trees (the ONNX graph computes the same). */
  public double margin(float[] x) {
    double m = base;
    for (Tree t : trees) {
      m += t.value()[t.leafOf(x)];
    }
    return m;
  }

  /** E[margin] over the training data (the TreeSHAP bias term). */
  public double expectedMargin() {
    double m = base;
    for (Tree t : trees) {
      m += t.expected();
    }
    return m;
  }

  /**
   * Reads the ensemble from an ONNX model.
   *
   * @throws IllegalArgumentException when the artifact has no TreeEnsembleRegressor or no covers
   */
  public static TreeEnsemble fromOnnx(byte[] artifact, int width) {
    OnnxMl.ModelProto model;
    try {
      model = OnnxMl.ModelProto.parseFrom(artifact);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("not an ONNX model", e);
    }
    OnnxMl.NodeProto node =
        model.getGraph().getNodeList().stream()
            .filter(n -> n.getOpType().equals("TreeEnsembleRegressor"))
            .findFirst()
            .orElseThrow(() -> new IllegalArgumentException("no TreeEnsembleRegressor node"));
    Map<String, OnnxMl.AttributeProto> a = new HashMap<>();
    node.getAttributeList().forEach(x -> a.put(x.getName(), x));
    String coversJson =
        model.getMetadataPropsList().stream()
            .filter(p -> p.getKey().equals(COVERS_KEY))
            .map(OnnxMl.StringStringEntryProto::getValue)
            .findFirst()
            .orElseThrow(() -> new IllegalArgumentException("no " + COVERS_KEY + " metadata"));
    JsonNode covers;
    try {
      covers = new ObjectMapper().readTree(coversJson);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(COVERS_KEY + " is not JSON", e);
    }
    List<Long> treeIds = a.get("nodes_treeids").getIntsList();
    List<Long> nodeIds = a.get("nodes_nodeids").getIntsList();
    List<Long> features = a.get("nodes_featureids").getIntsList();
    List<Float> thresholds = a.get("nodes_values").getFloatsList();
    List<String> modes =
        a.get("nodes_modes").getStringsList().stream().map(b -> b.toStringUtf8()).toList();
    List<Long> trueIds = a.get("nodes_truenodeids").getIntsList();
    List<Long> falseIds = a.get("nodes_falsenodeids").getIntsList();
    List<Long> missingTrue =
        a.containsKey("nodes_missing_value_tracks_true")
            ? a.get("nodes_missing_value_tracks_true").getIntsList()
            : List.of();
    if (covers.size() != treeIds.size()) {
      throw new IllegalArgumentException("covers do not align with the nodes");
    }
    Map<Long, Map<Long, Double>> leafValues = new HashMap<>();
    OnnxMl.AttributeProto targetTrees = a.get("target_treeids");
    for (int i = 0; i < targetTrees.getIntsCount(); i++) {
      leafValues
          .computeIfAbsent(targetTrees.getInts(i), k -> new HashMap<>())
          .merge(
              a.get("target_nodeids").getInts(i),
              (double) a.get("target_weights").getFloats(i),
              Double::sum);
    }
    double base = a.containsKey("base_values") ? a.get("base_values").getFloats(0) : 0;

    Map<Long, List<Integer>> rowsByTree = new java.util.TreeMap<>();
    for (int i = 0; i < treeIds.size(); i++) {
      rowsByTree.computeIfAbsent(treeIds.get(i), k -> new ArrayList<>()).add(i);
    }
    List<Tree> trees = new ArrayList<>();
    for (Map.Entry<Long, List<Integer>> t : rowsByTree.entrySet()) {
      List<Integer> rows = t.getValue();
      int n = rows.size();
      Map<Long, Integer> index = new HashMap<>();
      for (int k = 0; k < n; k++) {
        index.put(nodeIds.get(rows.get(k)), k);
      }
      if (index.get(0L) == null) {
        throw new IllegalArgumentException("tree " + t.getKey() + " has no node 0");
      }
      // Re-index so that node id 0 (the root) is index 0; keep the others in id order.
      int[] feature = new int[n];
      float[] threshold = new float[n];
      int[] yes = new int[n];
      int[] no = new int[n];
      boolean[] missingYes = new boolean[n];
      boolean[] leaf = new boolean[n];
      double[] value = new double[n];
      double[] cover = new double[n];
      List<Long> ids = new ArrayList<>(index.keySet());
      ids.sort(null);
      Map<Long, Integer> order = new HashMap<>();
      for (int k = 0; k < ids.size(); k++) {
        order.put(ids.get(k), k);
      }
      for (int k = 0; k < n; k++) {
        int row = rows.get(k);
        int at = order.get(nodeIds.get(row));
        leaf[at] = modes.get(row).equals("LEAF");
        cover[at] = covers.get(row).asDouble();
        if (leaf[at]) {
          value[at] =
              leafValues.getOrDefault(t.getKey(), Map.of()).getOrDefault(nodeIds.get(row), 0.0);
        } else {
          if (!modes.get(row).equals("BRANCH_LT")) {
            throw new IllegalArgumentException("only BRANCH_LT splits are supported");
          }
          feature[at] = features.get(row).intValue();
          threshold[at] = thresholds.get(row);
          yes[at] = order.get(trueIds.get(row));
          no[at] = order.get(falseIds.get(row));
          missingYes[at] = !missingTrue.isEmpty() && missingTrue.get(row) == 1;
        }
      }
      trees.add(new Tree(feature, threshold, yes, no, missingYes, leaf, value, cover));
    }
    return new TreeEnsemble(trees, base, width);
  }
}
