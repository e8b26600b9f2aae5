package dev.clarion.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The training recipe of {@code models/diabetes-pima}: {@link LogisticTrainer} on Ripley's Pima
 * training split (200 women); the held-out split (332) gives {@code training-report.json}.
 *
 * <p>Run: {@code ./mvnw -q test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.clarion.model.PimaTrainer}, then put the printed sha256 into model.json.
 */
public final class PimaTrainer {

  public static final Path DIR = Path.of("models/diabetes-pima");
  public static final String VERSION = "1.0.0";

  /** Model inputs (CSV columns), in column order. */
  public static final List<String> INPUTS = List.of("npreg", "glu", "bp", "bmi", "age");

  static final long SEED = 20261126L;
  static final int EPOCHS = 200;

  private PimaTrainer() {}

  /** A split with age as the grouping value. */
  public static LogisticTrainer.Split read(Path csv) throws IOException {
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
    return new LogisticTrainer.Split(x, y, age);
  }

  public static LogisticTrainer.Trained train(LogisticTrainer.Split train) {
    return LogisticTrainer.train(train, SEED, EPOCHS);
  }

  public static byte[] graph(LogisticTrainer.Trained t) {
    return LogisticTrainer.graph(
        t,
        "diabetes_pima_lr",
        VERSION,
        "Logistic regression for diabetes (WHO criteria) trained on Ripley's Pima training split"
            + " (200 women of Pima Indian heritage). Input features[N,5]: pregnancies, 2-h OGTT"
            + " glucose mg/dL, diastolic BP mm Hg, BMI kg/m2, age years. Output risk[N,1].");
  }

  public static void main(String[] args) throws Exception {
    LogisticTrainer.Split train = read(DIR.resolve("data/Pima.tr.csv"));
    LogisticTrainer.Split test = read(DIR.resolve("data/Pima.te.csv"));
    LogisticTrainer.Trained t = train(train);
    LogisticTrainer.write(
        DIR,
        "diabetes-pima",
        VERSION,
        SEED,
        EPOCHS,
        "Ripley's train/test split",
        t,
        graph(t),
        train,
        test,
        INPUTS,
        "AgeBand",
        new double[][] {{21, 30}, {30, 50}, {50, 200}});
  }
}
