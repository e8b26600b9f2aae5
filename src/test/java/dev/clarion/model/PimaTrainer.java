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
 * The training recipe of {@code models/diabetes-pima}: logistic regression (Tribuo {@link
 * LinearSGDTrainer}, log loss, AdaGrad, fixed seed, single thread: deterministic) on the
 * standardized inputs of Ripley's Pima training split; the ONNX graph (standardize → Gemm →
 * Sigmoid) is written from the learned weights with the same helpers as the published equations;
 * the held-out split gives the performance on the model card ({@code training-report.json}).
 *
 * <p>Run: {@code ./mvnw -q test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.clarion.model.PimaTrainer}, then put the printed sha256 into model.json.
 */
public final class PimaTrainer {

  public static final Path DIR = Path.of("models/diabetes-pima");
  public static final String VERSION = "1.0.0";

  /** Model inputs, in column order, and their CSV columns. */
  public static final List<String> INPUTS = List.of("npreg", "glu", "bp", "bmi", "age");

  static final long SEED = 20261126L;
  static final int EPOCHS = 200;

  /** A loaded split: rows of the inputs and the label (1 = diabetes). */
  public record Split(double[][] x, int[] y, double[] age) {}

  /** The trained model and what the graph needs. */
  public record Trained(
      LinearSGDModel model, double[] mean, double[] sd, double[] weights, double bias) {}

  private PimaTrainer() {}

  public static Split read(Path csv) throws IOException {
    List<String> lines = Files.readAllLines(csv);
    List<String> header = Arrays.asList(lines.get(0).split(","));
    int[] cols = INPUTS.stream().mapToInt(header::indexOf).toArray();
    int label = header.indexOf("type");
    int n = lines.size() - 1;
    double[][] x = new double[n][INPUTS.size()];
    int[] y = new int[n];
    double[] age = new double[n];
    for (int r = 0; r < n; r++) {
      String[] cells = lines.get(r + 1).split(",");
      for (int c = 0; c < cols.length; c++) {
        x[r][c] = Double.parseDouble(cells[cols[c]]);
      }
      y[r] = cells[label].equals("Yes") ? 1 : 0;
      age[r] = Double.parseDouble(cells[header.indexOf("age")]);
    }
    return new Split(x, y, age);
  }

  /** Feature names sort in column order (Tribuo orders features by name). */
  static String feature(int column) {
    return (char) ('a' + column) + "_" + INPUTS.get(column);
  }

  public static Trained train(Split train) {
    int k = INPUTS.size();
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
        new MutableDataset<>(new SimpleDataSourceProvenance("Pima.tr", labels), labels);
    String[] names = new String[k];
    for (int c = 0; c < k; c++) {
      names[c] = feature(c);
    }
    for (int r = 0; r < train.x().length; r++) {
      double[] z = standardized(train.x()[r], mean, sd);
      data.add(new ArrayExample<>(new Label(train.y()[r] == 1 ? "Yes" : "No"), names, z));
    }
    LinearSGDTrainer trainer =
        new LinearSGDTrainer(new LogMulticlass(), new AdaGrad(0.1, 0.1), EPOCHS, 1, SEED);
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

  /** P(diabetes) by Tribuo itself, for the parity test. */
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

  /** The served graph: features[N,5] → (x − mean)/sd → Gemm → Sigmoid → risk[N,1]. */
  public static byte[] graph(Trained t) {
    int k = INPUTS.size();
    ONNXContext ctx = new ONNXContext();
    ctx.setName("diabetes_pima_lr");
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
    return OnnxGraphs.model(
        ctx,
        VERSION,
        "Logistic regression for diabetes (WHO criteria) trained on Ripley's Pima training split"
            + " (200 women of Pima Indian heritage). Input features[N,5]: pregnancies, 2-h OGTT"
            + " glucose mg/dL, diastolic BP mm Hg, BMI kg/m2, age years. Output risk[N,1].");
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

  public static void main(String[] args) throws Exception {
    Split train = read(DIR.resolve("data/Pima.tr.csv"));
    Split test = read(DIR.resolve("data/Pima.te.csv"));
    Trained t = train(train);
    byte[] onnx = graph(t);
    Files.write(DIR.resolve("diabetes-pima.onnx"), onnx);
    double[] p = new double[test.y().length];
    for (int i = 0; i < p.length; i++) {
      p[i] = tribuoProbability(t, test.x()[i]);
    }
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode report = json.createObjectNode();
    report.put("model", "diabetes-pima").put("version", VERSION);
    report.put(
        "trainer",
        "Tribuo 4.3.2 LinearSGDTrainer(LogMulticlass, AdaGrad(0.1, 0.1), epochs "
            + EPOCHS
            + ", minibatch 1, seed "
            + SEED
            + ") on standardized inputs");
    report.put("trainRows", train.y().length).put("testRows", test.y().length);
    report.put("testPrevalence", Arrays.stream(test.y()).average().orElseThrow());
    double auc = auc(p, test.y());
    report.put("testAuc", auc);
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
    ArrayNode bands = report.putArray("subgroupsByAgeBand");
    double[][] edges = {{21, 30}, {30, 50}, {50, 200}};
    for (double[] e : edges) {
      List<Integer> idx = new ArrayList<>();
      for (int i = 0; i < p.length; i++) {
        if (test.age()[i] >= e[0] && test.age()[i] < e[1]) {
          idx.add(i);
        }
      }
      double[] ps = idx.stream().mapToDouble(i -> p[i]).toArray();
      int[] ys = idx.stream().mapToInt(i -> test.y()[i]).toArray();
      ObjectNode band = bands.addObject();
      band.put("ageBand", (int) e[0] + (e[1] > 150 ? "+" : "–" + (int) (e[1] - 1)));
      band.put("n", ys.length).put("cases", Arrays.stream(ys).sum());
      band.put("auc", auc(ps, ys));
    }
    ObjectNode coef = report.putObject("standardizedCoefficients");
    for (int c = 0; c < INPUTS.size(); c++) {
      coef.put(INPUTS.get(c), t.weights()[c]);
    }
    coef.put("intercept", t.bias());
    ObjectNode scaling = report.putObject("standardization");
    for (int c = 0; c < INPUTS.size(); c++) {
      scaling.putArray(INPUTS.get(c)).add(t.mean()[c]).add(t.sd()[c]);
    }
    report.put("sha256", ModelRegistry.sha256(onnx));
    json.writeValue(DIR.resolve("training-report.json").toFile(), report);
    System.out.printf(
        Locale.ROOT,
        "wrote %s (sha256 %s): test AUC %.3f (95%% CI %.3f–%.3f)%n",
        DIR.resolve("diabetes-pima.onnx"),
        ModelRegistry.sha256(onnx),
        auc,
        ci[0],
        ci[1]);
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
