package dev.clarion.model;

import static dev.clarion.model.OnnxGraphs.reshaped;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.tribuo.Example;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.sgd.linear.LinearSGDModel;
import org.tribuo.classification.sgd.linear.LinearSGDTrainer;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.impl.ArrayExample;
import org.tribuo.math.la.DenseMatrix;
import org.tribuo.math.optimisers.AdaGrad;
import org.tribuo.provenance.SimpleDataSourceProvenance;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXNode;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;

/**
 * What the training recipes of the trained models share ({@link PimaTrainer}, {@link WdbcTrainer}):
 * logistic regression with Tribuo's {@link LinearSGDTrainer} (log loss, AdaGrad, minibatch 1, fixed
 * seed, single thread: deterministic) on standardized inputs; the ONNX graph (standardize → Gemm →
 * Sigmoid, double precision) written from the learned weights with the same helpers as the
 * published equations; held-out AUC with a bootstrap interval.
 */
public final class LogisticTrainer {

  /**
   * A loaded split: rows of the inputs, the label (1 = the outcome) and a grouping value per row
   * (e.g. age) for subgroup performance.
   */
  public record Split(double[][] x, int[] y, double[] group) {}

  /** The trained model and what the graph needs. */
  public record Trained(
      LinearSGDModel model, double[] mean, double[] sd, double[] weights, double bias) {}

  private LogisticTrainer() {}

  /** Feature names sort in column order (Tribuo orders features by name). */
  static String feature(int column) {
    return String.format(java.util.Locale.ROOT, "f%03d", column);
  }

  public static Trained train(Split train, long seed, int epochs) {
    int k = train.x()[0].length;
    double[] mean = new double[k];
    double[] sd = new double[k];
    for (int c = 0; c < k; c++) {
      for (double[] row : train.x()) {
        mean[c] += row[c] / train.x().length;
      }
      for (double[] row : train.x()) {
        sd[c] += Math.pow(row[c] - mean[c], 2) / (train.x().length - 1);
      }
      sd[c] = Math.sqrt(sd[c]);
    }
    LabelFactory labels = new LabelFactory();
    MutableDataset<Label> data =
        new MutableDataset<>(new SimpleDataSourceProvenance("training split", labels), labels);
    String[] names = new String[k];
    for (int c = 0; c < k; c++) {
      names[c] = feature(c);
    }
    for (int r = 0; r < train.x().length; r++) {
      double[] z = standardized(train.x()[r], mean, sd);
      data.add(new ArrayExample<>(new Label(train.y()[r] == 1 ? "Yes" : "No"), names, z));
    }
    LinearSGDTrainer trainer =
        new LinearSGDTrainer(new LogMulticlass(), new AdaGrad(0.1, 0.1), epochs, 1, seed);
    LinearSGDModel model = trainer.train(data);
    DenseMatrix w = model.getWeightsCopy();
    int yes = model.getOutputIDInfo().getID(new Label("Yes"));
    int no = model.getOutputIDInfo().getID(new Label("No"));
    double[] weights = new double[k];
    for (int c = 0; c < k; c++) {
      int id = model.getFeatureIDMap().getID(names[c]);
      weights[c] = w.get(yes, id) - w.get(no, id);
    }
    double bias = w.get(yes, w.getDimension2Size() - 1) - w.get(no, w.getDimension2Size() - 1);
    return new Trained(model, mean, sd, weights, bias);
  }

  static double[] standardized(double[] row, double[] mean, double[] sd) {
    double[] z = new double[row.length];
    for (int c = 0; c < row.length; c++) {
      z[c] = (row[c] - mean[c]) / sd[c];
    }
    return z;
  }

  /** P(outcome) by Tribuo itself, for the parity test. */
  public static double tribuoProbability(Trained t, double[] row) {
    String[] names = new String[row.length];
    for (int c = 0; c < row.length; c++) {
      names[c] = feature(c);
    }
    Example<Label> e =
        new ArrayExample<>(new Label("No"), names, standardized(row, t.mean(), t.sd()));
    Prediction<Label> p = t.model().predict(e);
    return p.getOutputScores().get("Yes").getScore();
  }

  /** The served graph: features[N,k] → (x − mean)/sd → Gemm → Sigmoid → risk[N,1]. */
  public static byte[] graph(Trained t, String name, String version, String doc) {
    int k = t.weights().length;
    ONNXContext ctx = new ONNXContext();
    ctx.setName(name);
    ONNXPlaceholder features = ctx.floatInput("features", k);
    ONNXPlaceholder output = ctx.floatOutput("risk", 1);
    ONNXNode z =
        features
            .cast(double.class)
            .apply(ONNXOperators.SUB, reshaped(ctx, "mean", t.mean(), 1, k))
            .apply(ONNXOperators.DIV, reshaped(ctx, "sd", t.sd(), 1, k));
    ONNXNode risk =
        z.apply(
                ONNXOperators.GEMM,
                List.of(
                    reshaped(ctx, "weights", t.weights(), k, 1),
                    ctx.array("bias", new double[] {t.bias()}, false)))
            .apply(ONNXOperators.SIGMOID)
            .cast(float.class);
    risk.assignTo(output);
    return OnnxGraphs.model(ctx, version, doc);
  }

  /** Probabilities of every row of a split by the served graph's arithmetic via Tribuo. */
  public static double[] probabilities(Trained t, Split split) {
    double[] p = new double[split.y().length];
    for (int i = 0; i < p.length; i++) {
      p[i] = tribuoProbability(t, split.x()[i]);
    }
    return p;
  }

  /**
   * The held-out report: AUC with a bootstrap interval, accuracy at 0.5, Brier score, standardized
   * coefficients and scaling, and AUC per group band ([lower, upper) edges of {@code group}).
   */
  public static ObjectNode report(
      ObjectMapper json,
      Trained t,
      Split train,
      Split test,
      List<String> inputs,
      String groupName,
      double[][] groupEdges) {
    ObjectNode report = json.createObjectNode();
    heldOut(report, probabilities(t, test), train, test, groupName, groupEdges);
    ObjectNode coef = report.putObject("standardizedCoefficients");
    for (int c = 0; c < inputs.size(); c++) {
      coef.put(inputs.get(c), t.weights()[c]);
    }
    coef.put("intercept", t.bias());
    ObjectNode scaling = report.putObject("standardization");
    for (int c = 0; c < inputs.size(); c++) {
      scaling.putArray(inputs.get(c)).add(t.mean()[c]).add(t.sd()[c]);
    }
    return report;
  }

  /**
   * Writes the artifact and {@code training-report.json} into {@code dir} and prints the summary.
   *
   * @param splitNote how the train/test split was made (goes into the report)
   */
  public static void write(
      Path dir,
      String id,
      String version,
      long seed,
      int epochs,
      String splitNote,
      Trained t,
      byte[] onnx,
      Split train,
      Split test,
      List<String> inputs,
      String groupName,
      double[][] groupEdges)
      throws IOException {
    Files.write(dir.resolve(id + ".onnx"), onnx);
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode report = json.createObjectNode();
    report.put("model", id).put("version", version);
    report.put(
        "trainer",
        "Tribuo 4.3.2 LinearSGDTrainer(LogMulticlass, AdaGrad(0.1, 0.1), epochs "
            + epochs
            + ", minibatch 1, seed "
            + seed
            + ") on standardized inputs; "
            + splitNote);
    report.setAll(report(json, t, train, test, inputs, groupName, groupEdges));
    report.put("sha256", ModelLoader.sha256(onnx));
    json.writeValue(dir.resolve("training-report.json").toFile(), report);
    System.out.printf(
        Locale.ROOT,
        "wrote %s (sha256 %s): test AUC %.4f%n",
        dir.resolve(id + ".onnx"),
        ModelLoader.sha256(onnx),
        report.get("testAuc").asDouble());
  }

  /**
   * The held-out figures of any binary model: rows, prevalence, AUC with a bootstrap interval
   * (2,000 resamples, fixed seed), accuracy at 0.5, Brier score, and AUC per group band.
   *
   * @param p the model's probability for every test row
   */
  public static void heldOut(
      ObjectNode report,
      double[] p,
      Split train,
      Split test,
      String groupName,
      double[][] groupEdges) {
    report.put("trainRows", train.y().length).put("testRows", test.y().length);
    report.put("testPrevalence", Arrays.stream(test.y()).average().orElseThrow());
    report.put("testAuc", auc(p, test.y()));
    double[] ci = bootstrapCi(p, test.y(), 2000, new Random(1));
    report.putArray("testAuc95ci").add(ci[0]).add(ci[1]);
    int correct = 0;
    double brier = 0;
    for (int i = 0; i < p.length; i++) {
      correct += (p[i] >= 0.5 ? 1 : 0) == test.y()[i] ? 1 : 0;
      brier += Math.pow(p[i] - test.y()[i], 2) / p.length;
    }
    report.put("testAccuracyAt50", (double) correct / p.length);
    report.put("testBrier", brier);
    ArrayNode bands = report.putArray("subgroupsBy" + groupName);
    for (double[] e : groupEdges) {
      List<Integer> idx = new ArrayList<>();
      for (int i = 0; i < p.length; i++) {
        if (test.group()[i] >= e[0] && test.group()[i] < e[1]) {
          idx.add(i);
        }
      }
      double[] ps = idx.stream().mapToDouble(i -> p[i]).toArray();
      int[] ys = idx.stream().mapToInt(i -> test.y()[i]).toArray();
      ObjectNode band = bands.addObject();
      band.put("from", e[0]).put("below", e[1]);
      band.put("n", ys.length).put("cases", Arrays.stream(ys).sum());
      band.put("auc", auc(ps, ys));
    }
  }

  /** Area under the ROC curve (Mann–Whitney, ties counted half). */
  public static double auc(double[] score, int[] y) {
    double pairs = 0;
    double wins = 0;
    for (int i = 0; i < y.length; i++) {
      if (y[i] != 1) {
        continue;
      }
      for (int j = 0; j < y.length; j++) {
        if (y[j] == 0) {
          pairs++;
          wins += score[i] > score[j] ? 1 : score[i] == score[j] ? 0.5 : 0;
        }
      }
    }
    return wins / pairs;
  }

  /** Percentile bootstrap of the AUC over the test rows (fixed seed: reproducible). */
  static double[] bootstrapCi(double[] p, int[] y, int resamples, Random random) {
    double[] aucs = new double[resamples];
    for (int b = 0; b < resamples; b++) {
      double[] ps = new double[p.length];
      int[] ys = new int[p.length];
      for (int i = 0; i < p.length; i++) {
        int k = random.nextInt(p.length);
        ps[i] = p[k];
        ys[i] = y[k];
      }
      aucs[b] = auc(ps, ys);
    }
    Arrays.sort(aucs);
    return new double[] {aucs[(int) (0.025 * resamples)], aucs[(int) (0.975 * resamples) - 1]};
  }
}
