package dev.clarion.model;

import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * The training recipe of {@code models/diabetes-pima-gbt}: XGBoost 3.4.0 gradient-boosted trees on
 * Ripley's Pima training split (the data of {@code models/diabetes-pima}), one thread, fixed seed:
 * deterministic. The trees are written as an {@code ai.onnx.ml.TreeEnsembleRegressor} (margin)
 * followed by a Sigmoid, with each node's cover in the metadata for TreeSHAP ({@link
 * TreeEnsemble}). XGBoost splits are {@code x < threshold → yes}, which is ONNX's BRANCH_LT.
 *
 * <p>Run: {@code ./mvnw -q test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.clarion.model.PimaGbtTrainer}, then put the printed sha256 into model.json.
 */
public final class PimaGbtTrainer {

  public static final Path DIR = Path.of("models/diabetes-pima-gbt");
  public static final Path DATA = Path.of("models/diabetes-pima/data");
  public static final String VERSION = "1.0.0";
  static final int ROUNDS = 60;

  private PimaGbtTrainer() {}

  static Map<String, Object> params() {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("objective", "binary:logistic");
    p.put("base_score", 0.5); // margin base 0: the ONNX graph adds nothing
    p.put("max_depth", 3);
    p.put("eta", 0.1);
    p.put("min_child_weight", 1.0);
    p.put("subsample", 1.0);
    p.put("lambda", 1.0);
    p.put("tree_method", "exact");
    p.put("nthread", 1);
    p.put("seed", 20261126);
    return p;
  }

  public static DMatrix matrix(LogisticTrainer.Split split) throws XGBoostError {
    int n = split.y().length;
    int d = split.x()[0].length;
    float[] data = new float[n * d];
    float[] labels = new float[n];
    for (int r = 0; r < n; r++) {
      for (int c = 0; c < d; c++) {
        data[r * d + c] = (float) split.x()[r][c];
      }
      labels[r] = split.y()[r];
    }
    DMatrix m = new DMatrix(data, n, d, Float.NaN);
    m.setLabel(labels);
    return m;
  }

  public static Booster train() throws Exception {
    DMatrix train = matrix(PimaTrainer.read(DATA.resolve("Pima.tr.csv")));
    return XGBoost.train(train, params(), ROUNDS, Map.of(), null, null);
  }

  /** The ONNX artifact: TreeEnsembleRegressor (margin) → Sigmoid (risk), covers in metadata. */
  public static byte[] graph(Booster booster) throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<Long> treeIds = new ArrayList<>();
    List<Long> nodeIds = new ArrayList<>();
    List<Long> featureIds = new ArrayList<>();
    List<Float> values = new ArrayList<>();
    List<ByteString> modes = new ArrayList<>();
    List<Long> trueIds = new ArrayList<>();
    List<Long> falseIds = new ArrayList<>();
    List<Long> missingTrue = new ArrayList<>();
    ArrayNode covers = json.createArrayNode();
    List<Long> targetTrees = new ArrayList<>();
    List<Long> targetNodes = new ArrayList<>();
    List<Float> weights = new ArrayList<>();
    String[] dump = booster.getModelDump((String) null, true, "json");
    for (int t = 0; t < dump.length; t++) {
      List<JsonNode> nodes = new ArrayList<>();
      collect(json.readTree(dump[t]), nodes);
      nodes.sort((a, b) -> Integer.compare(a.get("nodeid").asInt(), b.get("nodeid").asInt()));
      for (JsonNode n : nodes) {
        treeIds.add((long) t);
        nodeIds.add(n.get("nodeid").asLong());
        covers.add(n.get("cover").asDouble());
        if (n.has("leaf")) {
          featureIds.add(0L);
          values.add(0f);
          modes.add(ByteString.copyFromUtf8("LEAF"));
          trueIds.add(0L);
          falseIds.add(0L);
          missingTrue.add(0L);
          targetTrees.add((long) t);
          targetNodes.add(n.get("nodeid").asLong());
          weights.add(Float.parseFloat(n.get("leaf").asText()));
        } else {
          featureIds.add(Long.parseLong(n.get("split").asText().substring(1)));
          values.add(Float.parseFloat(n.get("split_condition").asText()));
          modes.add(ByteString.copyFromUtf8("BRANCH_LT"));
          trueIds.add(n.get("yes").asLong());
          falseIds.add(n.get("no").asLong());
          missingTrue.add(n.get("missing").asLong() == n.get("yes").asLong() ? 1L : 0L);
        }
      }
    }
    List<Long> targetIds = new ArrayList<>(java.util.Collections.nCopies(weights.size(), 0L));
    OnnxMl.NodeProto trees =
        OnnxMl.NodeProto.newBuilder()
            .setOpType("TreeEnsembleRegressor")
            .setDomain("ai.onnx.ml")
            .setName("trees")
            .addInput("features")
            .addOutput("margin")
            .addAttribute(ints("nodes_treeids", treeIds))
            .addAttribute(ints("nodes_nodeids", nodeIds))
            .addAttribute(ints("nodes_featureids", featureIds))
            .addAttribute(floats("nodes_values", values))
            .addAttribute(
                OnnxMl.AttributeProto.newBuilder()
                    .setName("nodes_modes")
                    .setType(OnnxMl.AttributeProto.AttributeType.STRINGS)
                    .addAllStrings(modes))
            .addAttribute(ints("nodes_truenodeids", trueIds))
            .addAttribute(ints("nodes_falsenodeids", falseIds))
            .addAttribute(ints("nodes_missing_value_tracks_true", missingTrue))
            .addAttribute(ints("target_treeids", targetTrees))
            .addAttribute(ints("target_nodeids", targetNodes))
            .addAttribute(ints("target_ids", targetIds))
            .addAttribute(floats("target_weights", weights))
            .addAttribute(floats("base_values", List.of(0f)))
            .addAttribute(
                OnnxMl.AttributeProto.newBuilder()
                    .setName("n_targets")
                    .setType(OnnxMl.AttributeProto.AttributeType.INT)
                    .setI(1))
            .addAttribute(string("aggregate_function", "SUM"))
            .addAttribute(string("post_transform", "NONE"))
            .build();
    OnnxMl.NodeProto sigmoid =
        OnnxMl.NodeProto.newBuilder()
            .setOpType("Sigmoid")
            .setName("probability")
            .addInput("margin")
            .addOutput("risk")
            .build();
    OnnxMl.GraphProto graph =
        OnnxMl.GraphProto.newBuilder()
            .setName("diabetes_pima_gbt")
            .addNode(trees)
            .addNode(sigmoid)
            .addInput(tensor("features", PimaTrainer.INPUTS.size()))
            .addOutput(tensor("risk", 1))
            .build();
    return OnnxMl.ModelProto.newBuilder()
        .setIrVersion(8)
        .setProducerName("clarion")
        .setProducerVersion(VERSION)
        .setDomain("dev.clarion")
        .setModelVersion(1)
        .setDocString(
            "Gradient-boosted trees (XGBoost 3.4.0, "
                + ROUNDS
                + " rounds, depth 3) for diabetes (WHO criteria) trained on Ripley's Pima training"
                + " split. Input features[N,5]: pregnancies, 2-h OGTT glucose mg/dL, diastolic BP"
                + " mm Hg, BMI kg/m2, age years. Output risk[N,1].")
        .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
        .addOpsetImport(
            OnnxMl.OperatorSetIdProto.newBuilder().setDomain("ai.onnx.ml").setVersion(3))
        .addMetadataProps(entry("clarion.model.version", VERSION))
        .addMetadataProps(entry(TreeEnsemble.COVERS_KEY, json.writeValueAsString(covers)))
        .setGraph(graph)
        .build()
        .toByteArray();
  }

  private static void collect(JsonNode node, List<JsonNode> out) {
    out.add(node);
    for (JsonNode child : node.path("children")) {
      collect(child, out);
    }
  }

  private static OnnxMl.AttributeProto ints(String name, List<Long> v) {
    return OnnxMl.AttributeProto.newBuilder()
        .setName(name)
        .setType(OnnxMl.AttributeProto.AttributeType.INTS)
        .addAllInts(v)
        .build();
  }

  private static OnnxMl.AttributeProto floats(String name, List<Float> v) {
    return OnnxMl.AttributeProto.newBuilder()
        .setName(name)
        .setType(OnnxMl.AttributeProto.AttributeType.FLOATS)
        .addAllFloats(v)
        .build();
  }

  private static OnnxMl.AttributeProto string(String name, String v) {
    return OnnxMl.AttributeProto.newBuilder()
        .setName(name)
        .setType(OnnxMl.AttributeProto.AttributeType.STRING)
        .setS(ByteString.copyFromUtf8(v))
        .build();
  }

  private static OnnxMl.StringStringEntryProto entry(String key, String value) {
    return OnnxMl.StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
  }

  private static OnnxMl.ValueInfoProto tensor(String name, int width) {
    return OnnxMl.ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            OnnxMl.TypeProto.newBuilder()
                .setTensorType(
                    OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                        .setShape(
                            OnnxMl.TensorShapeProto.newBuilder()
                                .addDim(
                                    OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("N"))
                                .addDim(
                                    OnnxMl.TensorShapeProto.Dimension.newBuilder()
                                        .setDimValue(width)))))
        .build();
  }

  /** XGBoost's probabilities for every row of a split. */
  public static double[] probabilities(Booster b, LogisticTrainer.Split split) throws Exception {
    float[][] p = b.predict(matrix(split));
    return Arrays.stream(p).mapToDouble(r -> r[0]).toArray();
  }

  public static void main(String[] args) throws Exception {
    LogisticTrainer.Split train = PimaTrainer.read(DATA.resolve("Pima.tr.csv"));
    LogisticTrainer.Split test = PimaTrainer.read(DATA.resolve("Pima.te.csv"));
    Booster booster = train();
    byte[] onnx = graph(booster);
    Files.createDirectories(DIR);
    Files.write(DIR.resolve("diabetes-pima-gbt.onnx"), onnx);
    double[] p = probabilities(booster, test);
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode report = json.createObjectNode();
    report.put("model", "diabetes-pima-gbt").put("version", VERSION);
    report.put(
        "trainer",
        "XGBoost 3.4.0 (xgboost4j_2.12) " + params() + ", " + ROUNDS + " rounds; Ripley's split");
    LogisticTrainer.heldOut(
        report, p, train, test, "AgeBand", new double[][] {{21, 30}, {30, 50}, {50, 200}});
    double[] ci = {
      report.get("testAuc95ci").get(0).asDouble(), report.get("testAuc95ci").get(1).asDouble()
    };
    report.put("trees", ROUNDS);
    report.put("sha256", ModelLoader.sha256(onnx));
    json.writeValue(DIR.resolve("training-report.json").toFile(), report);
    System.out.printf(
        Locale.ROOT,
        "wrote %s (sha256 %s): test AUC %.4f (%.3f–%.3f)%n",
        DIR.resolve("diabetes-pima-gbt.onnx"),
        ModelLoader.sha256(onnx),
        report.get("testAuc").asDouble(),
        ci[0],
        ci[1]);
  }
}
