package dev.clarion.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The training recipe of {@code models/breast-mass-wdbc}: {@link LogisticTrainer} on the ten "mean"
 * cytology-image features of the Wisconsin Diagnostic Breast Cancer data. Split: every third row
 * (row index mod 3 = 2) is held out for testing (189 rows), the rest trains (380 rows) — fixed,
 * documented, no randomness.
 *
 * <p>Run: {@code ./mvnw -q test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.clarion.model.WdbcTrainer}, then put the printed sha256 into model.json.
 */
public final class WdbcTrainer {

  public static final Path DIR = Path.of("models/breast-mass-wdbc");
  public static final String VERSION = "1.0.0";

  /** The ten "mean" features: the first ten columns of wdbc.csv. */
  public static final List<String> INPUTS =
      List.of(
          "radiusMean",
          "textureMean",
          "perimeterMean",
          "areaMean",
          "smoothnessMean",
          "compactnessMean",
          "concavityMean",
          "concavePointsMean",
          "symmetryMean",
          "fractalDimensionMean");

  static final long SEED = 20261126L;
  static final int EPOCHS = 200;

  private WdbcTrainer() {}

  /** {train, test}; label 1 = malignant; the grouping value is the mean radius. */
  public static LogisticTrainer.Split[] read() throws IOException {
    List<String> lines = Files.readAllLines(DIR.resolve("data/wdbc.csv"));
    List<double[]> trainX = new ArrayList<>();
    List<double[]> testX = new ArrayList<>();
    List<Integer> trainY = new ArrayList<>();
    List<Integer> testY = new ArrayList<>();
    for (int r = 1; r < lines.size(); r++) {
      String[] cells = lines.get(r).split(",");
      double[] x = new double[INPUTS.size()];
      for (int c = 0; c < x.length; c++) {
        x[c] = Double.parseDouble(cells[c]);
      }
      int malignant = cells[cells.length - 1].trim().equals("0") ? 1 : 0;
      boolean test = (r - 1) % 3 == 2;
      (test ? testX : trainX).add(x);
      (test ? testY : trainY).add(malignant);
    }
    return new LogisticTrainer.Split[] {split(trainX, trainY), split(testX, testY)};
  }

  private static LogisticTrainer.Split split(List<double[]> x, List<Integer> y) {
    double[][] rows = x.toArray(double[][]::new);
    return new LogisticTrainer.Split(
        rows,
        y.stream().mapToInt(Integer::intValue).toArray(),
        x.stream().mapToDouble(row -> row[0]).toArray());
  }

  public static LogisticTrainer.Trained train(LogisticTrainer.Split train) {
    return LogisticTrainer.train(train, SEED, EPOCHS);
  }

  public static byte[] graph(LogisticTrainer.Trained t) {
    return LogisticTrainer.graph(
        t,
        "breast_mass_wdbc_lr",
        VERSION,
        "Logistic regression for malignancy of a breast mass from the ten mean cytology-image"
            + " features of a fine-needle aspirate (WDBC). Input features[N,10] in wdbc.csv order."
            + " Output risk[N,1]: probability of malignancy.");
  }

  public static void main(String[] args) throws Exception {
    LogisticTrainer.Split[] splits = read();
    LogisticTrainer.Trained t = train(splits[0]);
    LogisticTrainer.write(
        DIR,
        "breast-mass-wdbc",
        VERSION,
        SEED,
        EPOCHS,
        "test = rows with index mod 3 = 2",
        t,
        graph(t),
        splits[0],
        splits[1],
        INPUTS,
        "MeanRadius",
        new double[][] {{0, 12}, {12, 15}, {15, 100}});
  }
}
